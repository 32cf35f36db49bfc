//! The page shell: server-rendered before any script, hydrated after, and the 404 page.

use end2end::browser::{DESKTOP, PHONE, Session};
use end2end::find;
use end2end::server::Server;
use playwright_rs::expect;

#[tokio::test]
async fn the_page_is_rendered_on_the_server_before_any_script_runs() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, false).await;
    let page = &session.page;
    session
        .run("shell::the_page_is_rendered_on_the_server_before_any_script_runs", async {
            let response = page.goto(&server.url("/"), None).await.unwrap().expect("a response");
            assert_eq!(response.status(), 200);

            expect(find::main_heading(page)).to_have_text("Made for every day outdoors").await.unwrap();
            let body = page.locator("body");
            assert_eq!(body.get_attribute("data-hydrated").await.unwrap(), None, "no script ran");
        })
        .await;
    session.close().await;
}

#[tokio::test]
async fn the_page_hydrates_and_the_menu_opens_on_a_phone() {
    let server = Server::start().await;
    let session = Session::launch(PHONE, true).await;
    let page = &session.page;
    session
        .run("shell::the_page_hydrates_and_the_menu_opens_on_a_phone", async {
            page.goto(&server.url("/"), None).await.unwrap();
            end2end::wait_for_hydration(page).await;

            let menu = find::button(page, "Menu");
            expect(menu.clone()).to_have_attribute("aria-expanded", "false").await.unwrap();
            let shop_all = find::link(page, "Shop all");
            expect(shop_all.clone()).not().to_be_visible().await.unwrap();

            menu.click(None).await.unwrap();

            let close = find::button(page, "Close menu");
            expect(close).to_have_attribute("aria-expanded", "true").await.unwrap();
            expect(shop_all).to_be_visible().await.unwrap();
            assert_eq!(
                session.console_errors(),
                Vec::<String>::new(),
                "no errors (e.g. CSP violations) in the console"
            );
        })
        .await;
    session.close().await;
}

#[tokio::test]
async fn an_unknown_address_shows_the_404_page() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, true).await;
    let page = &session.page;
    session
        .run("shell::an_unknown_address_shows_the_404_page", async {
            let response = page.goto(&server.url("/no-such-page"), None).await.unwrap().expect("a response");
            assert_eq!(response.status(), 404);
            end2end::wait_for_hydration(page).await;
            expect(find::main_heading(page)).to_have_text("We couldn't find that page").await.unwrap();
            expect(find::combobox(page, "Search products")).to_be_visible().await.unwrap();
        })
        .await;
    session.close().await;
}
