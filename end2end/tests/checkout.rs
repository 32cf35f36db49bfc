//! Guest checkout in the browser: cart → information → shipping → review → "Place order" (double
//! clicked: one order) → the order's page with its countdown → "Pay" → the provider's hosted page (the
//! built-in sandbox), where a declined card is refused → 4242… pays → back to the confirmation. And the
//! same without JavaScript.

use end2end::browser::{DESKTOP, Session};
use end2end::server::Server;
use end2end::{act, audit, find};
use playwright_rs::expect;

/// On the provider's page: types a card and pays.
async fn pay_with(page: &playwright_rs::Page, number: &str) {
    page.get_by_label("Card number", true).fill(number, None).await.unwrap();
    page.get_by_label("Expiry (MM/YY)", true).fill("12/40", None).await.unwrap();
    page.get_by_label("Security code", true).fill("123", None).await.unwrap();
    page.locator("form button[type='submit']").click(None).await.unwrap();
}

/// "Pay" on the order's page: the provider's page opens.
async fn go_to_payment(page: &playwright_rs::Page) {
    page.locator(".payment button[type='submit']").click(None).await.unwrap();
    expect(page.locator(".brand")).to_contain_text("Payment sandbox").await.unwrap();
}

#[tokio::test]
async fn a_guest_checks_out_and_pays_after_a_declined_card() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, true).await;
    let page = &session.page;
    session
        .run("checkout::a_guest_checks_out_and_pays_after_a_declined_card", async {
            act::open_product_in(page, &server, "/c/drinkware", true).await;
            act::add_to_cart(page, 1).await;
            act::go(page, find::link(page, "View cart")).await;
            act::go(page, find::link(page, "Check out")).await;
            expect(find::main_heading(page)).to_have_text("Checkout").await.unwrap();
            audit::assert_accessible(page).await;

            // A mistake is named beside its field and nothing moves on.
            act::fill_checkout_information(page, "guest@example.com").await;
            page.locator("#field-postal_code").fill("2220", None).await.unwrap();
            find::button(page, "Continue to shipping").click(None).await.unwrap();
            expect(page.locator("#field-postal_code-error")).to_contain_text("Enter a postal code like").await.unwrap();
            // What was typed stays typed.
            expect(page.locator("#field-name")).to_have_value("Grace Hopper").await.unwrap();
            page.locator("#field-postal_code").fill("94105", None).await.unwrap();
            act::go(page, find::button(page, "Continue to shipping")).await;

            page.locator("#method-standard").wait_for(None).await.unwrap();
            audit::assert_accessible(page).await;
            act::go(page, find::button(page, "Continue to review")).await;
            expect(page.locator(".checkout-recap")).to_contain_text("Grace Hopper").await.unwrap();
            expect(page.locator(".totals [data-total='tax']")).not().to_have_text("$0.00").await.unwrap();
            audit::assert_accessible(page).await;

            // Double-click: one order (the page shows order #1 and the cart is empty).
            page.locator(".place-order button[type='submit']").dblclick(None).await.unwrap();
            expect(find::main_heading(page)).to_have_text("Pay for order #1").await.unwrap();
            expect(page.locator("[role='timer']")).to_contain_text("Your items are held for").await.unwrap();
            expect(page.locator(".site-header__cart .badge")).to_have_text("0").await.unwrap();
            let before = page.locator("[data-countdown]").get_attribute("data-countdown").await.unwrap().unwrap();
            // The countdown runs: the seconds left change without a reload.
            expect(page.locator("[data-countdown]")).not().to_have_attribute("data-countdown", &before).await.unwrap();
            audit::assert_accessible(page).await;

            go_to_payment(page).await;
            pay_with(page, "4000 0000 0000 0002").await;
            expect(page.get_by_role(playwright_rs::AriaRole::Alert, None))
                .to_contain_text("Your card was declined.")
                .await
                .unwrap();

            pay_with(page, "4242 4242 4242 4242").await;
            expect(find::main_heading(page)).to_have_text("Thank you! Your order is confirmed.").await.unwrap();
            expect(page.locator(".order [role='status']")).to_contain_text("Order #1 is paid").await.unwrap();

            page.goto(&server.url("/dev/mailbox"), None).await.unwrap();
            expect(page.locator(".mail")).to_have_count(1).await.unwrap();
            expect(page.locator(".mail h2")).to_contain_text("order #1").await.unwrap();
            assert_eq!(session.console_errors(), Vec::<String>::new());
        })
        .await;
    session.close().await;
}

#[tokio::test]
async fn checkout_and_payment_work_without_javascript() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, false).await;
    let page = &session.page;
    session
        .run("checkout::checkout_and_payment_work_without_javascript", async {
            act::open_product_in(page, &server, "/c/drinkware", false).await;
            act::add_to_cart(page, 1).await;
            act::place_order(page, &server, "guest@example.com").await;
            expect(find::main_heading(page)).to_have_text("Pay for order #1").await.unwrap();
            go_to_payment(page).await;
            pay_with(page, "4000 0000 0000 9995").await;
            expect(page.locator(".alert")).to_contain_text("insufficient funds").await.unwrap();
            pay_with(page, "4242 4242 4242 4242").await;
            expect(find::main_heading(page)).to_have_text("Thank you! Your order is confirmed.").await.unwrap();
        })
        .await;
    session.close().await;
}
