//! The cart: add from a product page (the header's count follows), change the quantity, and be told
//! how many are left when asking for more than the stock.

use end2end::browser::{DESKTOP, Session};
use end2end::server::Server;
use end2end::{act, audit, find};
use playwright_rs::expect;

#[tokio::test]
async fn a_shopper_adds_to_cart_changes_the_quantity_and_cannot_exceed_the_stock() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, true).await;
    let page = &session.page;
    session
        .run("cart::a_shopper_adds_to_cart_changes_the_quantity_and_cannot_exceed_the_stock", async {
            let title = act::open_product_in(page, &server, "/c/drinkware", true).await;
            act::add_to_cart(page, 1).await;
            // Added in place: the cart drawer opens and says so.
            expect(page.locator(".drawer .notice[role='status']")).to_contain_text("Added to your cart").await.unwrap();
            expect(page.locator(".drawer .drawer__line")).to_contain_text(title.as_str()).await.unwrap();

            act::go(page, find::link(page, "View cart")).await;
            expect(find::main_heading(page)).to_have_text("Your cart").await.unwrap();
            expect(page.locator(".cart-line__title")).to_have_text(title.as_str()).await.unwrap();
            audit::assert_accessible(page).await;
            let line = page.locator(".cart-line").first();
            let available: i32 = line
                .locator("input[name='quantity'][type='number']")
                .get_attribute("data-available")
                .await
                .unwrap()
                .unwrap()
                .parse()
                .unwrap();

            if available >= 2 {
                line.locator("input[name='quantity'][type='number']").fill("2", None).await.unwrap();
                line.locator("button:text-is('Update')").click(None).await.unwrap();
                expect(page.locator(".site-header__cart .badge")).to_have_text("2").await.unwrap();
                expect(page.locator(".cart")).to_have_attribute("data-count", "2").await.unwrap();
            }
            let count = page.locator(".site-header__cart .badge").inner_text().await.unwrap();

            // More than the stock: refused, with how many are left; the cart is unchanged.
            line.locator("input[name='quantity'][type='number']")
                .fill(&(available + 1).to_string(), None)
                .await
                .unwrap();
            line.locator("button:text-is('Update')").click(None).await.unwrap();
            expect(page.locator("[role='alert']")).to_contain_text(&format!("Only {available} left")).await.unwrap();
            expect(page.locator(".site-header__cart .badge")).to_have_text(count.trim()).await.unwrap();

            line.locator("button:text-is('Remove')").click(None).await.unwrap();
            expect(page.locator(".empty")).to_contain_text("Your cart is empty").await.unwrap();
            expect(page.locator(".site-header__cart .badge")).to_have_text("0").await.unwrap();
            assert_eq!(session.console_errors(), Vec::<String>::new());
        })
        .await;
    session.close().await;
}

#[tokio::test]
async fn adding_to_the_cart_works_without_javascript() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, false).await;
    let page = &session.page;
    session
        .run("cart::adding_to_the_cart_works_without_javascript", async {
            act::open_product_in(page, &server, "/c/drinkware", false).await;
            act::add_to_cart(page, 1).await;
            page.goto(&server.url("/cart"), None).await.unwrap();
            expect(page.locator(".cart")).to_have_attribute("data-count", "1").await.unwrap();
        })
        .await;
    session.close().await;
}

#[tokio::test]
async fn the_header_opens_a_cart_drawer_that_follows_the_cart() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, true).await;
    let page = &session.page;
    session
        .run("cart::the_header_opens_a_cart_drawer_that_follows_the_cart", async {
            let title = act::open_product_in(page, &server, "/c/drinkware", true).await;
            act::add_to_cart(page, 1).await;
            // Adding opened the drawer; Escape closes it and gives the focus back to the page.
            let drawer = page.locator("[role='dialog'].drawer");
            expect(drawer.clone()).to_be_visible().await.unwrap();
            page.keyboard().press("Escape", None).await.unwrap();
            expect(drawer.clone()).to_have_count(0).await.unwrap();

            page.locator(".site-header__cart").click(None).await.unwrap();
            expect(drawer.clone()).to_be_visible().await.unwrap();
            expect(page.locator(".drawer__head button")).to_be_focused().await.unwrap();
            expect(drawer.locator(".drawer__line")).to_contain_text(title.as_str()).await.unwrap();
            expect(drawer.locator("a:text-is('Check out')")).to_have_attribute("href", "/checkout").await.unwrap();
            audit::assert_accessible(page).await;
            page.keyboard().press("Escape", None).await.unwrap();
            expect(drawer.clone()).to_have_count(0).await.unwrap();
            expect(page.locator(".site-header__cart")).to_be_focused().await.unwrap();

            // Removing from the drawer empties the cart everywhere.
            page.locator(".site-header__cart").click(None).await.unwrap();
            drawer.locator("button:text-is('Remove')").click(None).await.unwrap();
            expect(drawer.locator(".drawer__empty")).to_have_text("Your cart is empty.").await.unwrap();
            expect(page.locator(".site-header__cart .badge")).to_have_text("0").await.unwrap();
            assert_eq!(session.console_errors(), Vec::<String>::new());
        })
        .await;
    session.close().await;
}
