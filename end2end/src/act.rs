//! Actions a shopper takes, written once for every browser test.

use playwright_rs::{Locator, Page, expect};

use crate::find;
use crate::server::Server;

/// Opens a category and the first product in it that is in stock; waits for hydration when the page has
/// JavaScript. Returns the product's title.
pub async fn open_product_in(page: &Page, server: &Server, category: &str, javascript: bool) -> String {
    page.goto(&server.url(category), None).await.unwrap();
    if javascript {
        crate::wait_for_hydration(page).await;
    }
    page.locator(".card:not(.card--sold-out) .card__link").first().click(None).await.unwrap();
    page.locator(".product__gallery").wait_for(None).await.unwrap();
    if javascript {
        crate::wait_for_hydration(page).await;
    }
    find::main_heading(page).inner_text().await.unwrap().trim().to_owned()
}

/// "Add to cart" on a product page; waits until the header counts `count` items.
pub async fn add_to_cart(page: &Page, count: u32) {
    find::button(page, "Add to cart").click(None).await.unwrap();
    expect(page.locator(".site-header__cart .badge")).to_have_text(&count.to_string()).await.unwrap();
}

/// Clicks what loads another page (a link, a form whose server function redirects) and waits until
/// that page is interactive. Pages are server-rendered and each load hydrates anew; the old page's
/// marker is removed first, so the wait cannot be answered by the page being left.
pub async fn go(page: &Page, target: Locator) {
    page.evaluate_expression("document.body.removeAttribute('data-hydrated')").await.unwrap();
    target.click(None).await.unwrap();
    crate::wait_for_hydration(page).await;
}

/// Fills the checkout's first step (contact and shipping address) with a shopper's details.
pub async fn fill_checkout_information(page: &Page, email: &str) {
    page.locator("#field-email").fill(email, None).await.unwrap();
    page.locator("#field-name").fill("Grace Hopper", None).await.unwrap();
    page.locator("#field-line1").fill("1 Navy Way", None).await.unwrap();
    page.locator("#field-city").fill("San Francisco", None).await.unwrap();
    page.locator("#field-region").select_option("CA", None).await.unwrap();
    page.locator("#field-postal_code").fill("94105", None).await.unwrap();
}

/// From the cart to the order's payment page through the checkout's steps (information, shipping,
/// review, "Place order"), each a plain click.
pub async fn place_order(page: &Page, server: &Server, email: &str) {
    page.goto(&server.url("/checkout"), None).await.unwrap();
    fill_checkout_information(page, email).await;
    find::button(page, "Continue to shipping").click(None).await.unwrap();
    find::button(page, "Continue to review").click(None).await.unwrap();
    find::button(page, "Place order").click(None).await.unwrap();
}
