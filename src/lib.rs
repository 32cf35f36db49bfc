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
}
