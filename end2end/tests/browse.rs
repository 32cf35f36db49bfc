//! Browsing the catalog: categories, filters and sorting, with and without hydration.

use end2end::browser::{DESKTOP, PHONE, Session};
use end2end::server::Server;
use end2end::{act, audit, find};
use playwright_rs::{Page, expect};

/// The filter link for one value of a facet ("Size" → "M").
fn filter(page: &Page, facet: &str, value: &str) -> playwright_rs::Locator {
    page.locator(format!("section[aria-label='{facet}'] a.filter:has(.filter__label:text-is('{value}'))"))
}

/// Waits until the listing shown is the one whose query string contains `part`.
async fn wait_for_listing(page: &Page, part: &str) {
    page.locator(format!(".listing[data-query*='{part}']")).wait_for(None).await.expect("the listing updates");
}

/// "$21.99", "from $21.99" or "$29.99 $21.99" (sale) → the price paid, in cents.
fn shown_price(text: &str) -> i64 {
    let last = text.split_whitespace().last().unwrap_or_default().trim_start_matches('$').replace(',', "");
    let (units, cents) = last.split_once('.').expect("a price with cents");
    units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}

#[tokio::test]
async fn a_shopper_browses_a_category_filters_by_size_and_colour_and_sorts_by_price() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, true).await;
    let page = &session.page;
    session
        .run("browse::a_shopper_browses_a_category_filters_by_size_and_colour_and_sorts_by_price", async {
            page.goto(&server.url("/"), None).await.unwrap();
            end2end::wait_for_hydration(page).await;
            audit::assert_accessible(page).await;
            act::go(page, find::link(page, "Hoodies & Sweatshirts")).await;
            expect(find::main_heading(page)).to_have_text("Hoodies & Sweatshirts").await.unwrap();

            act::go(page, filter(page, "Size", "M")).await;
            wait_for_listing(page, "size=M").await;
            expect(filter(page, "Size", "M")).to_have_attribute("aria-checked", "true").await.unwrap();
            act::go(page, filter(page, "Color", "Navy")).await;
            wait_for_listing(page, "color=Navy").await;
            end2end::wait_for_hydration(page).await;
            audit::assert_accessible(page).await;
            expect(filter(page, "Color", "Navy")).to_have_attribute("aria-checked", "true").await.unwrap();
            assert!(page.url().contains("size=M") && page.url().contains("color=Navy"), "{}", page.url());
            let filtered = page.locator(".card").count().await.unwrap();
            assert!(filtered > 0, "some navy hoodies in M");

            page.locator("#sort").select_option("price-asc", None).await.unwrap();
            wait_for_listing(page, "sort=price-asc").await;
            expect(page.locator("#sort")).to_have_value("price-asc").await.unwrap();
            assert!(page.url().contains("sort=price-asc"), "{}", page.url());
            let prices: Vec<i64> =
                page.locator(".card__price").all_inner_texts().await.unwrap().iter().map(|t| shown_price(t)).collect();
            assert_eq!(prices.len(), filtered, "sorting keeps the filters");
            assert!(prices.windows(2).all(|w| w[0] <= w[1]), "ascending prices: {prices:?}");
            assert_eq!(session.console_errors(), Vec::<String>::new());
        })
        .await;
    session.close().await;
}

#[tokio::test]
async fn filters_and_pagination_work_without_javascript() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, false).await;
    let page = &session.page;
    session
        .run("browse::filters_and_pagination_work_without_javascript", async {
            page.goto(&server.url("/products"), None).await.unwrap();
            expect(find::main_heading(page)).to_have_text("All products").await.unwrap();
            assert_eq!(page.locator(".card").count().await.unwrap(), 24);
            find::link(page, "Next").click(None).await.unwrap();
            wait_for_listing(page, "page=2").await;
            expect(page.locator(".pagination a[aria-current='page']")).to_have_text("2").await.unwrap();

            filter(page, "Category", "Socks").click(None).await.unwrap();
            wait_for_listing(page, "category=socks").await;
            expect(filter(page, "Category", "Socks")).to_have_attribute("aria-checked", "true").await.unwrap();
            assert!(page.url().contains("category=socks") && !page.url().contains("page="), "{}", page.url());
        })
        .await;
    session.close().await;
}

/// The first product card starts on the first screen of a phone.
async fn assert_products_on_first_screen(page: &Page) {
    let card = page.locator(".card").first().bounding_box().await.unwrap().expect("a product card");
    assert!(card.y < f64::from(PHONE.height) - 100.0, "the first product starts at {} px", card.y);
}

#[tokio::test]
async fn on_a_phone_the_products_come_first_and_the_filters_open_in_a_drawer() {
    let server = Server::start().await;
    let session = Session::launch(PHONE, true).await;
    let page = &session.page;
    session
        .run("browse::on_a_phone_the_products_come_first_and_the_filters_open_in_a_drawer", async {
            page.goto(&server.url("/c/t-shirts?size=M"), None).await.unwrap();
            end2end::wait_for_hydration(page).await;
            assert_products_on_first_screen(page).await;
            expect(filter(page, "Size", "M")).not().to_be_visible().await.unwrap();

            let toggle = page.locator(".filter-drawer__toggle");
            expect(toggle.clone()).to_have_text("Filters (1)").await.unwrap();
            toggle.click(None).await.unwrap();
            let drawer = page.get_by_role(playwright_rs::AriaRole::Dialog, None);
            expect(drawer.clone()).to_have_attribute("aria-label", "Filters").await.unwrap();
            // (to_be_focused takes a CSS selector only: it runs querySelectorAll in the page.)
            expect(page.locator(".filter-drawer__head button")).to_be_focused().await.unwrap();
            expect(filter(page, "Size", "M")).to_be_visible().await.unwrap();
            audit::assert_accessible(page).await;
            // The focus stays inside: Shift+Tab from the first control goes round to the last.
            page.keyboard().press("Shift+Tab", None).await.unwrap();
            expect(drawer.locator(":focus")).to_have_count(1).await.unwrap();

            page.keyboard().press("Escape", None).await.unwrap();
            expect(drawer).to_have_count(0).await.unwrap();
            expect(filter(page, "Size", "M")).not().to_be_visible().await.unwrap();
            expect(toggle).to_be_focused().await.unwrap();
            assert_eq!(session.console_errors(), Vec::<String>::new());
        })
        .await;
    session.close().await;

    // Without JavaScript "Filters" is a disclosure that opens in place.
    let session = Session::launch(PHONE, false).await;
    let page = &session.page;
    session
        .run("browse::on_a_phone_the_filters_are_a_disclosure_without_javascript", async {
            page.goto(&server.url("/c/t-shirts"), None).await.unwrap();
            expect(filter(page, "Size", "M")).not().to_be_visible().await.unwrap();
            page.locator(".filter-drawer__toggle").click(None).await.unwrap();
            filter(page, "Size", "M").click(None).await.unwrap();
            wait_for_listing(page, "size=M").await;
            assert_products_on_first_screen(page).await;
        })
        .await;
    session.close().await;
}
