//! Search: suggestions while typing (hydrated) and the results page, typos forgiven.

use end2end::browser::{DESKTOP, Session};
use end2end::server::Server;
use end2end::{audit, find};
use playwright_rs::expect;

#[tokio::test]
async fn a_shopper_types_a_typo_picks_a_suggestion_with_the_keyboard_and_lands_on_the_product() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, true).await;
    let page = &session.page;
    session
        .run("search::a_shopper_types_a_typo_picks_a_suggestion_with_the_keyboard_and_lands_on_the_product", async {
            page.goto(&server.url("/"), None).await.unwrap();
            end2end::wait_for_hydration(page).await;
            let search = find::combobox(page, "Search products");
            search.press_sequentially("hodie", None).await.unwrap();
            let first = page.locator("#search-suggestions [role='option']").first();
            expect(first.clone()).to_contain_text("Hoodie").await.unwrap();
            expect(search.clone()).to_have_attribute("aria-expanded", "true").await.unwrap();
            audit::assert_accessible(page).await;

            search.press("ArrowDown", None).await.unwrap();
            expect(search.clone()).to_have_attribute("aria-activedescendant", "suggestion-0").await.unwrap();
            expect(first.clone()).to_have_attribute("aria-selected", "true").await.unwrap();
            let title = page.locator("#suggestion-0 .suggestion__title").inner_text().await.unwrap();
            search.press("Enter", None).await.unwrap();
            expect(find::main_heading(page)).to_have_text(title.trim()).await.unwrap();
            assert!(page.url().contains("/p/"), "{}", page.url());

            // The results page, with its filters folded into a drawer on phones.
            page.goto(&server.url("/search?q=hoodie"), None).await.unwrap();
            end2end::wait_for_hydration(page).await;
            audit::assert_accessible(page).await;
            assert_eq!(session.console_errors(), Vec::<String>::new());
        })
        .await;
    session.close().await;
}

#[tokio::test]
async fn the_search_form_finds_t_shirts_for_tshrit_without_javascript() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, false).await;
    let page = &session.page;
    session
        .run("search::the_search_form_finds_t_shirts_for_tshrit_without_javascript", async {
            page.goto(&server.url("/"), None).await.unwrap();
            let search = find::combobox(page, "Search products");
            search.fill("tshrit", None).await.unwrap();
            search.press("Enter", None).await.unwrap();
            expect(find::main_heading(page)).to_have_text("Results for “tshrit”").await.unwrap();
            assert!(page.url().contains("/search?q=tshrit"), "{}", page.url());
            let titles = page.locator(".card__title").all_inner_texts().await.unwrap();
            assert!(!titles.is_empty());
            assert!(titles[0].contains("T-Shirt"), "{titles:?}");

            // The results take the listing's filters.
            page.locator("section[aria-label='Size'] a.filter:has(.filter__label:text-is('M'))")
                .click(None)
                .await
                .unwrap();
            page.locator(".listing[data-query*='size=M']").wait_for(None).await.unwrap();
            assert!(page.url().contains("q=tshrit") && page.url().contains("size=M"), "{}", page.url());
        })
        .await;
    session.close().await;
}
