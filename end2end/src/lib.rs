//! Support for the browser tests: a real store server on a free port with a fresh database, and Debian's
//! chromium driven through playwright-rs. Finders live in `find`.

pub mod act;
pub mod audit;
pub mod browser;
pub mod find;
pub mod server;

/// Waits until the WASM has hydrated the page (the app sets `data-hydrated` on <body>).
/// Clicks on server-rendered markup before that are silently lost.
pub async fn wait_for_hydration(page: &playwright_rs::Page) {
    page.locator("body[data-hydrated]")
        .wait_for(None)
        .await
        .expect("the page hydrates (is the WASM built and served?)");
}
