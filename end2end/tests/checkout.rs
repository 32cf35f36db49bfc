//! Guest checkout in the browser: cart → information → shipping → review → "Place order" (double
//! clicked: one order) → the payment page with its countdown → a declined card keeps the order payable
//! → 4242… pays → the confirmation. And the same without JavaScript.

use end2end::browser::{DESKTOP, Session};
use end2end::find;
use end2end::server::Server;
use playwright_rs::expect;

async fn add_something_to_the_cart(page: &playwright_rs::Page, server: &Server) {
    page.goto(&server.url("/c/drinkware"), None).await.unwrap();
    page.locator(".card:not(.card--sold-out) .card__link").first().click(None).await.unwrap();
    page.locator(".product__gallery").wait_for(None).await.unwrap();
}

async fn fill_information(page: &playwright_rs::Page) {
    page.locator("#field-email").fill("guest@example.com", None).await.unwrap();
    page.locator("#field-name").fill("Grace Hopper", None).await.unwrap();
    page.locator("#field-line1").fill("1 Navy Way", None).await.unwrap();
    page.locator("#field-city").fill("San Francisco", None).await.unwrap();
    page.locator("#field-region").select_option("CA", None).await.unwrap();
    page.locator("#field-postal_code").fill("94105", None).await.unwrap();
}

async fn pay_with(page: &playwright_rs::Page, number: &str) {
    page.locator("#card-number").fill(number, None).await.unwrap();
    page.locator("#card-expiry").fill("12/40", None).await.unwrap();
    page.locator("#card-cvc").fill("123", None).await.unwrap();
    page.locator(".payment button[type='submit']").click(None).await.unwrap();
}

#[tokio::test]
async fn a_guest_checks_out_and_pays_after_a_declined_card() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, true).await;
    let page = &session.page;

    add_something_to_the_cart(page, &server).await;
    end2end::wait_for_hydration(page).await;
    find::button(page, "Add to cart").click(None).await.unwrap();
    expect(page.locator(".site-header__cart .badge")).to_have_text("1").await.unwrap();
    find::link(page, "View cart").click(None).await.unwrap();
    find::link(page, "Check out").click(None).await.unwrap();
    expect(find::main_heading(page)).to_have_text("Checkout").await.unwrap();

    // A mistake is named beside its field and nothing moves on.
    fill_information(page).await;
    page.locator("#field-postal_code").fill("2220", None).await.unwrap();
    find::button(page, "Continue to shipping").click(None).await.unwrap();
    expect(page.locator("#field-postal_code-error")).to_contain_text("Enter a postal code like").await.unwrap();
    page.locator("#field-postal_code").fill("94105", None).await.unwrap();
    find::button(page, "Continue to shipping").click(None).await.unwrap();

    page.locator("#method-standard").wait_for(None).await.unwrap();
    find::button(page, "Continue to review").click(None).await.unwrap();
    expect(page.locator(".checkout-recap")).to_contain_text("Grace Hopper").await.unwrap();
    expect(page.locator(".totals [data-total='tax']")).not().to_have_text("$0.00").await.unwrap();

    // Double-click: one order (the page shows order #1 and the cart is empty).
    page.locator(".place-order button[type='submit']").dblclick(None).await.unwrap();
    expect(find::main_heading(page)).to_have_text("Pay for order #1").await.unwrap();
    expect(page.locator("[role='timer']")).to_contain_text("Your items are held for").await.unwrap();
    expect(page.locator(".site-header__cart .badge")).to_have_text("0").await.unwrap();
    let before = page.locator("[data-countdown]").get_attribute("data-countdown").await.unwrap().unwrap();
    // The countdown runs: the seconds left change without a reload.
    expect(page.locator("[data-countdown]")).not().to_have_attribute("data-countdown", &before).await.unwrap();

    pay_with(page, "4000 0000 0000 0002").await;
    expect(page.locator("#card-number-error")).to_contain_text("Your card was declined.").await.unwrap();
    expect(find::main_heading(page)).to_have_text("Pay for order #1").await.unwrap();

    pay_with(page, "4242 4242 4242 4242").await;
    expect(find::main_heading(page)).to_have_text("Thank you! Your order is confirmed.").await.unwrap();
    expect(page.locator(".order [role='status']")).to_contain_text("Visa ending 4242").await.unwrap();

    page.goto(&server.url("/dev/mailbox"), None).await.unwrap();
    expect(page.locator(".mail")).to_have_count(1).await.unwrap();
    expect(page.locator(".mail h2")).to_contain_text("order #1").await.unwrap();
    assert_eq!(session.console_errors(), Vec::<String>::new());
    session.close().await;
}

#[tokio::test]
async fn checkout_and_payment_work_without_javascript() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, false).await;
    let page = &session.page;

    add_something_to_the_cart(page, &server).await;
    find::button(page, "Add to cart").click(None).await.unwrap();
    expect(page.locator(".site-header__cart .badge")).to_have_text("1").await.unwrap();
    page.goto(&server.url("/checkout"), None).await.unwrap();
    fill_information(page).await;
    find::button(page, "Continue to shipping").click(None).await.unwrap();
    find::button(page, "Continue to review").click(None).await.unwrap();
    find::button(page, "Place order").click(None).await.unwrap();
    expect(find::main_heading(page)).to_have_text("Pay for order #1").await.unwrap();
    pay_with(page, "4000 0000 0000 9995").await;
    expect(page.locator("#card-number-error")).to_contain_text("insufficient funds").await.unwrap();
    pay_with(page, "4242 4242 4242 4242").await;
    expect(find::main_heading(page)).to_have_text("Thank you! Your order is confirmed.").await.unwrap();
    session.close().await;
}
