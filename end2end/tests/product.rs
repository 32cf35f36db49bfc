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

#[tokio::test]
async fn a_sold_out_variant_takes_an_email_for_when_it_is_back() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, true).await;
    let page = &session.page;
    session
        .run("product::a_sold_out_variant_takes_an_email_for_when_it_is_back", async {
            // The demo catalog sells out some sizes: the first product with one, that size chosen.
            page.goto(&server.url("/c/t-shirts"), None).await.unwrap();
            let cards = page.locator(".card__link");
            let mut products = Vec::new();
            for i in 0..cards.count().await.unwrap() {
                products.push(cards.nth(i as i32).get_attribute("href").await.unwrap().expect("a product link"));
            }
            let mut found = false;
            for product in products {
                page.goto(&server.url(&product), None).await.unwrap();
                end2end::wait_for_hydration(page).await;
                if page.locator(".product__stock--out").count().await.unwrap() > 0 {
                    found = true;
                    break;
                }
                let sold_out = page.locator(".option--sold-out[href]");
                if sold_out.count().await.unwrap() > 0 {
                    sold_out.first().click(None).await.unwrap();
                    page.locator(".product__stock--out").wait_for(None).await.unwrap();
                    found = true;
                    break;
                }
            }
            assert!(found, "a t-shirt of the demo catalog has a sold-out variant");
            let address = page.url();

            // Asked in place: the panel thanks the shopper, the cart drawer stays shut, the page stays.
            page.get_by_label("Your email", true).fill("grace@example.com", None).await.unwrap();
            find::button(page, "Email me when it is back").click(None).await.unwrap();
            expect(page.locator(".product [role='status']"))
                .to_contain_text("we will email you once when it is back")
                .await
                .unwrap();
            expect(page.locator("[role='dialog'].drawer")).to_be_hidden().await.unwrap();
            assert_eq!(page.url(), address);
            audit::assert_accessible(page).await;
            assert_eq!(session.console_errors(), Vec::<String>::new());
        })
        .await;
    session.close().await;
}
