//! The wishlist heart on product cards and the product page: a toggle button (`aria-pressed`) in a
//! plain form. Hydrated, it is posted in the background and the heart fills or empties in place; a
//! guest is sent to sign in (and back to the product after). Without JavaScript the browser posts it
//! and comes back to the page, or goes to sign in.

use leptos::prelude::*;

use crate::api::wishlist::SetWishlisted;
use crate::components::form::FormPage;

/// Whether the page's shopper has the product `slug` on their wishlist (its heart renders filled).
pub fn is_saved(slug: &str) -> bool {
    crate::components::account_menu::page_account().is_some_and(|account| account.saved.iter().any(|s| s == slug))
}

/// `title`: the product's, for a card's accessible name ("Save Trail Hoodie to wishlist"); with
/// `labelled` the button shows "Save to wishlist" instead (the product page).
#[island]
pub fn WishlistHeart(slug: String, title: String, saved: bool, labelled: bool) -> impl IntoView {
    let saved = RwSignal::new(saved);
    let busy = RwSignal::new(false);
    let action = <SetWishlisted as leptos::server_fn::ServerFn>::url();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let Some(form) = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlFormElement>().ok()) else {
                return;
            };
            ev.prevent_default();
            // Not also posted by an island around this one (a listing's, a panel's).
            ev.stop_propagation();
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            leptos::task::spawn_local(async move {
                use crate::components::browser::{go_to, load_page};
                match load_page(&form.action(), Some(&form)).await {
                    Some(loaded) if loaded.url.contains("/account/sign-in") => go_to(&loaded.url),
                    Some(loaded) if !loaded.refused() => saved.update(|saved| *saved = !*saved),
                    _ => form.submit().unwrap_or_default(),
                }
                busy.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let name = (!labelled).then(|| format!("Save {title} to wishlist"));
    view! {
        <form method="post" action=action class="heart" class:heart--labelled=labelled on:submit=on_submit>
            <FormPage/>
            <input type="hidden" name="slug" value=slug/>
            <input type="hidden" name="save" value=move || (!saved.get()).to_string()/>
            <button
                type="submit"
                class="heart__button"
                aria-label=name
                aria-pressed=move || saved.get().to_string()
                aria-busy=move || busy.get().then_some("true")
            >
                <svg class="heart__icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
                    <path d="M12 21s-7.5-4.6-9.6-9.2C.9 8.4 3 4.5 6.7 4.5c2.1 0 3.6 1.1 5.3 3.1 1.7-2 3.2-3.1 5.3-3.1 3.7 0 5.8 3.9 4.3 7.3C19.5 16.4 12 21 12 21z"/>
                </svg>
                {labelled.then_some(" Save to wishlist")}
            </button>
        </form>
    }
}
