use leptos::prelude::*;

use crate::api::shell::{ShellInfo, get_navigation};
use crate::error::AppError;

/// Store name, main navigation, search and cart link. The menu button folds the navigation on phones.
#[component]
pub fn Header(shell_info: OnceResource<Result<ShellInfo, AppError>>) -> impl IntoView {
    let (menu_open, set_menu_open) = signal(false);
    let navigation = OnceResource::new(get_navigation());
    let store_name =
        move || Suspend::new(async move { shell_info.await.map(|info| info.store_name).unwrap_or_default() });

    view! {
        <header class="site-header">
            <div class="site-header__bar">
                <a class="site-header__logo" href="/">
                    <Suspense fallback=|| "Store">{store_name}</Suspense>
                </a>
                <button
                    type="button"
                    class="site-header__menu"
                    aria-controls="site-nav"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| set_menu_open.update(|open| *open = !*open)
                >
                    {move || if menu_open.get() { "Close menu" } else { "Menu" }}
                </button>
                <form class="site-header__search" role="search" action="/search" method="get">
                    <label for="site-search" class="visually-hidden">"Search products"</label>
                    <input id="site-search" type="search" name="q" placeholder="Search products" autocomplete="off"/>
                    <button type="submit">"Search"</button>
                </form>
                <a class="site-header__cart" href="/cart">
                    "Cart "
                    <span class="badge" aria-label="0 items in cart">"0"</span>
                </a>
            </div>
            <nav id="site-nav" class="site-nav" class:site-nav--open=menu_open aria-label="Main">
                // The whole list in one Suspense: a streamed chunk must replace a whole element.
                <Suspense fallback=|| view! { <ul><li><a href="/products">"Shop all"</a></li></ul> }>
                    {move || Suspend::new(async move {
                        let categories = navigation.await.unwrap_or_default();
                        view! {
                            <ul>
                                <li><a href="/products">"Shop all"</a></li>
                                {categories
                                    .into_iter()
                                    .map(|(slug, name)| view! { <li><a href=format!("/c/{slug}")>{name}</a></li> })
                                    .collect_view()}
                            </ul>
                        }
                    })}
                </Suspense>
            </nav>
        </header>
    }
}
