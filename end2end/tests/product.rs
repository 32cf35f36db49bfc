//! The product page: picking a variant updates price, images, stock and the URL; a reload keeps it.

use end2end::browser::{DESKTOP, Session};
use end2end::server::Server;
use end2end::{act, audit, find};
use playwright_rs::expect;

#[tokio::test]
async fn picking_a_colour_and_size_updates_the_page_and_the_url() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, true).await;
    let page = &session.page;
    session
        .run("product::picking_a_colour_and_size_updates_the_page_and_the_url", async {
            page.goto(&server.url("/c/t-shirts"), None).await.unwrap();
            end2end::wait_for_hydration(page).await;
            act::go(page, page.locator(".card__link").first()).await;
            audit::assert_accessible(page).await;
            let gallery = page.locator(".product__gallery");
            let first_sku = gallery.get_attribute("data-sku").await.unwrap().expect("a variant is shown");
            let first_image = page.locator(".product__gallery img").first().get_attribute("src").await.unwrap();

            // Another colour: the images change with it.
            let colour = page.locator("[aria-labelledby='option-0'] [role='radio'][aria-checked='false']").first();
            let colour_name = colour.inner_text().await.unwrap();
            colour.click(None).await.unwrap();
            expect(page.locator("#option-0 .picker__chosen")).to_have_text(colour_name.trim()).await.unwrap();
            let second_sku = gallery.get_attribute("data-sku").await.unwrap().unwrap();
            assert_ne!(second_sku, first_sku);
            assert!(page.url().contains(&format!("variant={second_sku}")), "{}", page.url());
            let second_image = page.locator(".product__gallery img").first().get_attribute("src").await.unwrap();
            assert_ne!(first_image, second_image, "the colour's own images");

            // Another size.
            page.locator("[aria-labelledby='option-1'] [role='radio'][aria-checked='false']")
                .last()
                .click(None)
                .await
                .unwrap();
            page.locator(format!(".product__gallery:not([data-sku='{second_sku}'])")).wait_for(None).await.unwrap();
            let third_sku = gallery.get_attribute("data-sku").await.unwrap().unwrap();
            let stock = page.locator(".product__stock").inner_text().await.unwrap();
            assert!(["In stock", "Only", "Sold out"].iter().any(|s| stock.starts_with(s)), "{stock}");
            assert!(page.locator(".product__price-now").inner_text().await.unwrap().starts_with('$'));

            // A reload server-renders the same variant.
            page.reload(None).await.unwrap();
            end2end::wait_for_hydration(page).await;
            assert_eq!(gallery.get_attribute("data-sku").await.unwrap().unwrap(), third_sku);

            // The keyboard: one Tab stop per group (the checked value); arrows choose the next value and focus it.
            let colours = page.locator("[aria-labelledby='option-0'] [role='radio']");
            expect(colours.and_(&page.locator("[tabindex='0']"))).to_have_count(1).await.unwrap();
            let checked = page.locator("[aria-labelledby='option-0'] [role='radio'][aria-checked='true']");
            checked.focus().await.unwrap();
            checked.press("ArrowRight", None).await.unwrap();
            page.locator(format!(".product__gallery:not([data-sku='{third_sku}'])")).wait_for(None).await.unwrap();
            let focused = page.locator("[aria-labelledby='option-0'] [role='radio']:focus");
            expect(focused).to_have_attribute("aria-checked", "true").await.unwrap();
            expect(find::main_heading(page)).to_be_visible().await.unwrap();
            assert_eq!(session.console_errors(), Vec::<String>::new());
        })
        .await;
    session.close().await;
}

#[tokio::test]
async fn an_unknown_product_is_the_404_page() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, true).await;
    let page = &session.page;
    session
        .run("product::an_unknown_product_is_the_404_page", async {
            let response = page.goto(&server.url("/p/no-such-product"), None).await.unwrap().expect("a response");
            assert_eq!(response.status(), 404);
            expect(find::main_heading(page)).to_have_text("We couldn't find that page").await.unwrap();
        })
        .await;
    session.close().await;
}
