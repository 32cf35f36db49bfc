//! The storefront: Leptos pages rendered on the server and hydrated in the browser.

// Leptos view types nest deeply; the release build needs more room than the default 128.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point. Pages are server-rendered; the script Leptos puts in the page calls this,
/// then hydrates each `#[island]` in document order (the last one, `HydrationMark`, marks the body).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Debug builds name a panic in the console; release builds (panic = abort) stay without the formatting.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // A server function that redirects (a checkout step done, an order placed) loads the next page.
    let _ = leptos::server_fn::redirect::set_redirect_hook(components::browser::go_to);
    // A form posted before the page was interactive came back with its refusal in the URL (`__err`):
    // the islands' actions start with it, as the server rendered them.
    if let Some(error) = components::browser::posted_refusal() {
        leptos::prelude::provide_context(error);
    }
}
