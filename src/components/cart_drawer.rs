//! The cart drawer: the header's cart link opens it once the page is hydrated (without JavaScript the
//! link goes to /cart), and so does an item added on a product page. What it shows is the page
//! /cart/drawer (`pages::cart::CartDrawerPage`), read each time it opens: the server renders the cart,
//! the drawer only holds it. "Remove" posts its form the same way and shows the page that comes back.

use leptos::prelude::*;

use crate::components::cart_state::CartState;

/// Where the drawer reads the cart from.
pub const CART_DRAWER_PATH: &str = "/cart/drawer";

#[derive(Clone, Copy, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))] // set by the browser only
enum Reading {
    /// The cart is on its way (the first time the drawer opens, it has nothing to show yet).
    Pending,
    Shown,
    Failed,
}

#[island]
pub fn CartDrawer() -> impl IntoView {
    let state = CartState::get();
    let reading = RwSignal::new(Reading::Pending);
    let close_button = NodeRef::<leptos::html::Button>::new();
    let close = move || {
        state.drawer.set(false);
        // Focus goes back where it came from.
        #[cfg(feature = "hydrate")]
        crate::components::browser::focus(".site-header__cart");
    };
    // Opening moves focus into the drawer and reads the cart.
    Effect::new(move |_| {
        if state.drawer.get() {
            reading.set(Reading::Pending);
            show_cart(state, reading, None);
        }
    });
    Effect::new(move |_| {
        if let Some(button) = close_button.get() {
            let _ = button.focus();
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            if let Some(form) = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlFormElement>().ok()) {
                ev.prevent_default();
                state.added.set(false);
                crate::components::browser::mark_sending(&form, "Removing…");
                show_cart(state, reading, Some(form));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    // An optional child rather than <Show>: leptos 0.8's Show with no fallback did not hydrate here.
    move || {
        state.drawer.get().then(|| view! {
            <div class="drawer-backdrop" on:click=move |_| close()></div>
            <div
                class="drawer"
                role="dialog"
                aria-modal="true"
                aria-labelledby="drawer-title"
                aria-busy=move || (reading.get() == Reading::Pending).then_some("true")
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        close();
                    }
                }
                on:submit=on_submit
            >
                <div class="drawer__head">
                    <h2 id="drawer-title">"Your cart"</h2>
                    <button type="button" class="button button--link" node_ref=close_button on:click=move |_| close()>
                        "Close"
                    </button>
                </div>
                {move || state.added.get().then(|| view! { <p class="notice" role="status">"Added to your cart."</p> })}
                {move || match reading.get() {
                    Reading::Failed => Some(view! {
                        <p class="notice notice--error" role="alert">
                            "Your cart could not be shown here. " <a href="/cart">"Open your cart"</a>
                        </p>
                    }.into_any()),
                    Reading::Pending => Some(view! { <p class="loading" role="status">"Loading your cart…"</p> }.into_any()),
                    Reading::Shown => None,
                }}
                <div class="drawer__content"></div>
            </div>
        })
    }
}

/// Reads the cart page (or posts `form`, which comes back to it) and shows it in the drawer; the
/// header's count follows.
fn show_cart(state: CartState, reading: RwSignal<Reading>, form: Option<leptos::web_sys::HtmlFormElement>) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        use crate::components::browser::{load_page, show_part};
        let url = form.as_ref().map(|form| form.action()).unwrap_or_else(|| CART_DRAWER_PATH.to_owned());
        match load_page(&url, form.as_ref()).await {
            Some(loaded) if show_part(&loaded, "main .drawer__content", ".drawer .drawer__content") => {
                if let Some(count) = loaded.cart_count() {
                    state.count.set(count);
                }
                reading.set(Reading::Shown);
            }
            _ => reading.set(Reading::Failed),
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (state, reading, form);
}
