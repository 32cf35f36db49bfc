use leptos::prelude::*;

use crate::api::catalog::search_suggestions;
use crate::api::shell::{ShellInfo, get_navigation};
use crate::components::browser::go_to;
use crate::components::cart_state::CartState;
use crate::error::AppError;
use crate::model::catalog::SearchSuggestion;

/// Store name, main navigation, search and cart link. The menu button folds the navigation on phones.
#[component]
pub fn Header(shell_info: OnceResource<Result<ShellInfo, AppError>>) -> impl IntoView {
    let navigation = OnceResource::new(get_navigation());
    let store_name =
        move || Suspend::new(async move { shell_info.await.map(|info| info.store_name).unwrap_or_default() });

    view! {
        <header class="site-header">
            <div class="site-header__bar">
                <a class="site-header__logo" href="/">
                    <Suspense fallback=|| "Store">{store_name}</Suspense>
                </a>
                <MenuButton/>
                <SearchBox/>
                <CartLink/>
            </div>
            <nav id="site-nav" class="site-nav" aria-label="Main">
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

/// "Menu": on phones, once hydrated, it folds and unfolds the navigation below the bar (without
/// JavaScript the navigation always shows and the button is hidden).
#[island]
fn MenuButton() -> impl IntoView {
    let (open, set_open) = signal(false);
    Effect::new(move |_| {
        let open = open.get();
        if let Some(nav) = document().get_element_by_id("site-nav") {
            let _ = nav.class_list().toggle_with_force("site-nav--open", open);
        }
    });
    view! {
        <button
            type="button"
            class="site-header__menu"
            aria-controls="site-nav"
            aria-expanded=move || open.get().to_string()
            on:click=move |_| set_open.update(|open| *open = !*open)
        >
            {move || if open.get() { "Close menu" } else { "Menu" }}
        </button>
    }
}

/// The header search form. Without JavaScript it submits to /search; hydrated, it suggests products as
/// you type (debounced), as an ARIA combobox: arrows move through the suggestions, Enter opens one,
/// Escape closes the list.
#[island]
fn SearchBox() -> impl IntoView {
    let suggestions = RwSignal::new(Vec::<SearchSuggestion>::new());
    let active = RwSignal::new(None::<usize>);
    let open = RwSignal::new(false);
    // Each keystroke starts a generation; only the latest one's answer is shown.
    let generation = StoredValue::new(0u64);

    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let current = generation.get_value() + 1;
        generation.set_value(current);
        if text.trim().chars().count() < 2 {
            open.set(false);
            suggestions.set(Vec::new());
            return;
        }
        set_timeout(
            move || {
                if generation.get_value() != current {
                    return;
                }
                leptos::task::spawn_local(async move {
                    let found = search_suggestions(text).await.unwrap_or_default();
                    if generation.get_value() == current {
                        active.set(None);
                        open.set(true);
                        suggestions.set(found);
                    }
                });
            },
            std::time::Duration::from_millis(150),
        );
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = suggestions.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" | "ArrowUp" if open.get_untracked() && count > 0 => {
                ev.prevent_default();
                let down = ev.key() == "ArrowDown";
                active.update(|a| {
                    *a = Some(match (*a, down) {
                        (None, true) => 0,
                        (None, false) => count - 1,
                        (Some(i), true) => (i + 1) % count,
                        (Some(i), false) => (i + count - 1) % count,
                    })
                });
            }
            "Enter" => {
                if let Some(slug) = active
                    .get_untracked()
                    .and_then(|i| suggestions.with_untracked(|s| s.get(i).map(|s| s.slug.clone())))
                {
                    ev.prevent_default();
                    open.set(false);
                    go_to(&format!("/p/{slug}"));
                }
            }
            "Escape" => {
                open.set(false);
                active.set(None);
            }
            _ => {}
        }
    };
    // Let a click on a suggestion land before the list closes.
    let on_focusout = move |_| set_timeout(move || open.set(false), std::time::Duration::from_millis(200));

    view! {
        <form class="site-header__search" role="search" aria-label="Site search" action="/search" method="get" on:focusout=on_focusout>
            <label for="site-search" class="visually-hidden">"Search products"</label>
            <input
                id="site-search"
                type="search"
                name="q"
                placeholder="Search products"
                autocomplete="off"
                maxlength="100"
                role="combobox"
                aria-autocomplete="list"
                aria-controls="search-suggestions"
                aria-expanded=move || (open.get() && !suggestions.read().is_empty()).to_string()
                aria-activedescendant=move || active.get().map(|i| format!("suggestion-{i}"))
                on:input=on_input
                on:keydown=on_keydown
            />
            <button type="submit">"Search"</button>
            <ul
                id="search-suggestions"
                class="suggestions"
                role="listbox"
                aria-label="Suggestions"
                hidden=move || !open.get() || suggestions.read().is_empty()
            >
                {move || {
                    suggestions
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(i, s)| {
                            let price = if s.from { format!("from {}", s.price.format()) } else { s.price.format() };
                            // An option holds no link (no control inside a control): a click opens the product.
                            let href = format!("/p/{}", s.slug);
                            view! {
                                <li
                                    id=format!("suggestion-{i}")
                                    role="option"
                                    class="suggestion"
                                    class:suggestion--active=move || active.get() == Some(i)
                                    aria-selected=move || (active.get() == Some(i)).to_string()
                                    on:click=move |_| go_to(&href)
                                >
                                    <span class="suggestion__title">{s.title}</span>
                                    <span class="suggestion__meta">{s.category} " · " {price}</span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </form>
    }
}

/// "Cart" with the number of items, kept current by the shared cart state.
#[island]
fn CartLink() -> impl IntoView {
    let state = CartState::get();
    // Hydrated, a plain click opens the cart drawer; a modified click (new tab) and no JavaScript go to /cart.
    let open_drawer = move |ev: leptos::ev::MouseEvent| {
        if !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key()) {
            ev.prevent_default();
            state.drawer.set(true);
        }
    };
    let count = move || state.count.get();
    let label = move || match count() {
        1 => "1 item in cart".to_owned(),
        n => format!("{n} items in cart"),
    };
    view! {
        <a class="site-header__cart" href="/cart" on:click=open_drawer>
            "Cart "
            <span class="site-header__count">
                <span class="badge" aria-label=label>{count}</span>
            </span>
        </a>
    }
}
