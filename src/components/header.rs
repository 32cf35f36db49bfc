use leptos::prelude::*;

use crate::api::shell::{ShellInfo, get_navigation};
use crate::components::account_menu::AccountMenu;
use crate::components::browser::go_to;
use crate::components::cart_state::CartState;
use crate::error::AppError;
use crate::model::catalog::encode;
use crate::pages::suggestions::SUGGESTIONS_PATH;

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
                <AccountMenu/>
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
/// you type (debounced; the list is the page /search/suggestions, read in the background), as an ARIA
/// combobox: arrows move through the suggestions, Enter opens one, Escape closes the list.
#[island]
fn SearchBox() -> impl IntoView {
    // How many suggestions the list shows, and which one the arrows are on.
    let shown = RwSignal::new(0usize);
    let active = RwSignal::new(None::<usize>);
    let open = RwSignal::new(false);
    // Each keystroke starts a generation; only the latest one's answer is shown.
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| mark_active(active.get()));

    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let current = generation.get_value() + 1;
        generation.set_value(current);
        if text.trim().chars().count() < 2 {
            open.set(false);
            shown.set(0);
            return;
        }
        set_timeout(
            move || {
                if generation.get_value() != current {
                    return;
                }
                #[cfg(feature = "hydrate")]
                leptos::task::spawn_local(async move {
                    use crate::components::browser::{load_page, show_part};
                    let url = format!("{SUGGESTIONS_PATH}?q={}", encode(&text));
                    let Some(loaded) = load_page(&url, None).await else { return };
                    if generation.get_value() == current
                        && show_part(&loaded, "main .suggestions-found", "#search-suggestions")
                    {
                        active.set(None);
                        open.set(true);
                        shown.set(
                            document()
                                .query_selector_all("#search-suggestions [role='option']")
                                .map_or(0, |l| l.length() as usize),
                        );
                    }
                });
                #[cfg(not(feature = "hydrate"))]
                let _ = (text, encode, SUGGESTIONS_PATH);
            },
            std::time::Duration::from_millis(150),
        );
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = shown.get_untracked();
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
                if let Some(href) = active.get_untracked().and_then(suggestion_href) {
                    ev.prevent_default();
                    open.set(false);
                    go_to(&href);
                }
            }
            "Escape" => {
                open.set(false);
                active.set(None);
            }
            _ => {}
        }
    };
    // A click on a suggestion opens its product.
    let on_click = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(href) = crate::components::browser::event_target_closest(&ev, "[data-href]")
            .and_then(|option| option.get_attribute("data-href"))
        {
            go_to(&href);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
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
                aria-expanded=move || (open.get() && shown.get() > 0).to_string()
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
                hidden=move || !open.get() || shown.get() == 0
                on:click=on_click
            ></ul>
        </form>
    }
}

/// The product page a suggestion opens.
fn suggestion_href(index: usize) -> Option<String> {
    document().get_element_by_id(&format!("suggestion-{index}"))?.get_attribute("data-href")
}

/// Marks the suggestion the arrows are on (and no other).
fn mark_active(active: Option<usize>) {
    #[cfg(feature = "hydrate")]
    if let Ok(options) = document().query_selector_all("#search-suggestions [role='option']") {
        use leptos::wasm_bindgen::JsCast;
        for i in 0..options.length() {
            if let Some(option) = options.item(i).and_then(|o| o.dyn_into::<leptos::web_sys::Element>().ok()) {
                let on = active == Some(i as usize);
                let _ = option.set_attribute("aria-selected", if on { "true" } else { "false" });
                let _ = option.class_list().toggle_with_force("suggestion--active", on);
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = active;
}
/// "Cart" with the number of items, kept current by the shared cart state.
#[island]
fn CartLink() -> impl IntoView {
    let state = CartState::get();
    // Hydrated, a plain click opens the cart drawer; a modified click (new tab) and no JavaScript go to /cart.
    let open_drawer = move |ev: leptos::ev::MouseEvent| {
        if !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key()) {
            ev.prevent_default();
            state.open(false);
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
