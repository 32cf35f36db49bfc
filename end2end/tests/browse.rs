//! Browsing the catalog: categories, filters and sorting, with and without hydration.

use end2end::browser::{DESKTOP, Session};
use end2end::find;
use end2end::server::Server;
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
            find::link(page, "Hoodies & Sweatshirts").click(None).await.unwrap();
            expect(find::main_heading(page)).to_have_text("Hoodies & Sweatshirts").await.unwrap();

            filter(page, "Size", "M").click(None).await.unwrap();
            wait_for_listing(page, "size=M").await;
            expect(filter(page, "Size", "M")).to_have_attribute("aria-checked", "true").await.unwrap();
            filter(page, "Color", "Navy").click(None).await.unwrap();
            wait_for_listing(page, "color=Navy").await;
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
