//! The back office in a browser without JavaScript (it has none): an operator makes an account admin with
//! `storefront create-admin`, who ships one paid order (its shipping mail is queued), cancels another (its
//! payment is refunded and its unit comes back), and counts a SKU's stock to zero, which the store's product
//! page then shows as sold out; and an admin adds a product with two variants and a picture, publishes
//! it, and shoppers find it in the listing and the search.

use end2end::browser::{DESKTOP, Session};
use end2end::server::Server;
use end2end::{act, audit, find};
use playwright_rs::protocol::{FilePayload, SelectOption, WaitForFunctionOptions};
use playwright_rs::{Page, expect};

const PASSWORD: &str = "correct horse battery staple";

async fn pay_for_an_order(page: &Page, server: &Server, number: u32) {
    act::open_product_in(page, server, "/c/drinkware", false).await;
    act::add_to_cart(page, 1).await;
    act::place_order(page, server, "buyer@example.com").await;
    expect(find::main_heading(page)).to_have_text(&format!("Pay for order #{number}")).await.unwrap();
    page.locator(".payment button[type='submit']").click(None).await.unwrap();
    page.get_by_label("Card number", true).fill("4242 4242 4242 4242", None).await.unwrap();
    page.get_by_label("Expiry (MM/YY)", true).fill("12/40", None).await.unwrap();
    page.get_by_label("Security code", true).fill("123", None).await.unwrap();
    page.locator("form button[type='submit']").click(None).await.unwrap();
    expect(find::main_heading(page)).to_have_text("Thank you! Your order is confirmed.").await.unwrap();
}

async fn sign_up_and_confirm(page: &Page, server: &Server, email: &str) {
    page.goto(&server.url("/account/sign-up"), None).await.unwrap();
    page.get_by_label("Name", true).fill("Grace Admin", None).await.unwrap();
    page.get_by_label("Email", true).fill(email, None).await.unwrap();
    page.get_by_label("Password", true).fill(PASSWORD, None).await.unwrap();
    find::button(page, "Create account").click(None).await.unwrap();
    expect(find::main_heading(page)).to_have_text("Check your inbox").await.unwrap();
    page.goto(&server.url("/dev/mailbox"), None).await.unwrap();
    page.locator(".mail a[href*='/account/verify?token=']").first().click(None).await.unwrap();
    find::button(page, "Confirm my email").click(None).await.unwrap();
    expect(page.locator("[role='status']").first()).to_contain_text("your email address is confirmed").await.unwrap();
}

/// The "On hand" figure of a SKU's back-office page.
async fn on_hand(page: &Page) -> i64 {
    page.locator("dl.facts dd").first().inner_text().await.unwrap().trim().parse().unwrap()
}

#[tokio::test]
async fn an_admin_ships_one_order_cancels_another_and_counts_stock() {
    let server = Server::start().await;
    let mut store_page = String::new();
    let session = Session::launch(DESKTOP, false).await;
    let page = &session.page;
    session
        .run("admin::an_admin_ships_one_order_cancels_another_and_counts_stock", async {
            pay_for_an_order(page, &server, 1).await;
            pay_for_an_order(page, &server, 2).await;

            // Before the operator's command the account is a shopper: /admin is the shop's 404.
            sign_up_and_confirm(page, &server, "grace@example.com").await;
            let refused = page.goto(&server.url("/admin"), None).await.unwrap().expect("a response");
            assert_eq!(refused.status(), 404);
            let made = server.command(&["create-admin", "grace@example.com"]).await;
            assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));

            page.goto(&server.url("/admin"), None).await.unwrap();
            expect(find::main_heading(page)).to_have_text("Overview").await.unwrap();
            expect(page.locator(".tiles")).to_contain_text("paid, to ship").await.unwrap();
            find::link(page, "Orders").click(None).await.unwrap();
            expect(find::main_heading(page)).to_have_text("Orders").await.unwrap();

            // Ship order #1 with its tracking number.
            find::link(page, "#1").click(None).await.unwrap();
            expect(find::main_heading(page)).to_have_text("Order #1").await.unwrap();
            page.get_by_label("Tracking number", true).fill("1Z999AA1", None).await.unwrap();
            find::button(page, "Mark as shipped").click(None).await.unwrap();
            expect(page.locator("[role='status']")).to_contain_text("Marked as shipped").await.unwrap();
            expect(page.locator(".timeline")).to_contain_text("Shipped, tracking number 1Z999AA1").await.unwrap();

            // Cancel order #2: refunded, and its unit is back on hand.
            page.goto(&server.url("/admin/orders/2"), None).await.unwrap();
            let sku = page.locator("a[href^='/admin/inventory/']").first().inner_text().await.unwrap();
            page.goto(&server.url(&format!("/admin/inventory/{sku}")), None).await.unwrap();
            let before = on_hand(page).await;
            page.goto(&server.url("/admin/orders/2"), None).await.unwrap();
            page.get_by_label("Reason (kept on the order)", true)
                .first()
                .fill("Customer changed their mind", None)
                .await
                .unwrap();
            page.locator("form[action$='/cancel'] button").click(None).await.unwrap();
            expect(page.locator("[role='status']")).to_contain_text("Order cancelled").await.unwrap();
            expect(page.locator("dl.facts dd").first()).to_have_text("Refunded").await.unwrap();
            find::link(page, &sku).click(None).await.unwrap();
            expect(find::main_heading(page)).to_have_text(&sku).await.unwrap();
            assert_eq!(on_hand(page).await, before + 1, "the cancelled order's unit came back");

            // A count finds none left: the store's page for that variant says sold out.
            page.get_by_label("Set to a count", true).click(None).await.unwrap();
            page.get_by_label("Units", true).fill("0", None).await.unwrap();
            page.get_by_label("Reason", true).select_option("count_correction", None).await.unwrap();
            find::button(page, "Save stock").click(None).await.unwrap();
            expect(page.locator("[role='status']")).to_contain_text("Stock saved.").await.unwrap();
            assert_eq!(on_hand(page).await, 0);
            store_page = page.locator("a:text-is('View in the store')").get_attribute("href").await.unwrap().unwrap();

            page.goto(&server.url("/dev/mailbox"), None).await.unwrap();
            expect(page.locator(".mail h2:has-text('has shipped')")).to_have_count(1).await.unwrap();
        })
        .await;
    session.close().await;

    // axe-core needs JavaScript to run: the same pages audited in a session that has it.
    let session = Session::launch(DESKTOP, true).await;
    let page = &session.page;
    session
        .run("admin::an_admin_ships_one_order_cancels_another_and_counts_stock (axe)", async {
            page.goto(&server.url("/account/sign-in"), None).await.unwrap();
            end2end::wait_for_hydration(page).await;
            page.get_by_label("Email", true).fill("grace@example.com", None).await.unwrap();
            page.get_by_label("Password", true).fill(PASSWORD, None).await.unwrap();
            act::go(page, find::button(page, "Sign in")).await;
            expect(find::main_heading(page)).to_have_text("Your account").await.unwrap();
            for path in [
                "/admin",
                "/admin/orders",
                "/admin/orders/1",
                "/admin/orders/2",
                "/admin/inventory",
                "/admin/reconcile",
                "/admin/promos",
            ] {
                page.goto(&server.url(path), None).await.unwrap();
                find::main_heading(page).wait_for(None).await.unwrap();
                audit::assert_accessible(page).await;
            }
            // A promo code made with the form, and its page.
            page.get_by_label("Code (letters, digits, dashes; shoppers type it in any case)", true)
                .fill("spring-15", None)
                .await
                .unwrap();
            page.get_by_label("Percent (1 to 100) or amount (such as 5 or 5.50)", true).fill("15", None).await.unwrap();
            find::button(page, "Create code").click(None).await.unwrap();
            expect(find::main_heading(page)).to_have_text("SPRING-15").await.unwrap();
            expect(page.locator("[role='status']")).to_contain_text("Promo code created").await.unwrap();
            audit::assert_accessible(page).await;
            let sku_page = page.locator("a[href^='/admin/inventory/']").first();
            page.goto(&server.url("/admin/orders/1"), None).await.unwrap();
            sku_page.click(None).await.unwrap();
            expect(page.locator("dl.facts")).to_contain_text("On hand").await.unwrap();
            audit::assert_accessible(page).await;

            // The count of zero reaches the store's page for that variant within the catalog refresh.
            wait_until_page_has(page, &server, &store_page, ">Sold out<").await;
            page.goto(&server.url(&store_page), None).await.unwrap();
            expect(find::button(page, "Sold out")).to_be_visible().await.unwrap();
        })
        .await;
    session.close().await;
}

/// Waits (from a store page: the back office allows no scripts) until `path`'s HTML contains `text`: the
/// catalog refresh (1 s here) has reached this node.
async fn wait_until_page_has(page: &Page, server: &Server, path: &str, text: &str) {
    let check = format!("async () => (await (await fetch('{path}')).text()).includes('{text}')");
    let options = WaitForFunctionOptions::default().polling_interval(100.0).timeout(10000.0);
    page.goto(&server.url("/"), None).await.unwrap();
    page.wait_for_function(&check, options).await.unwrap_or_else(|e| panic!("{path} never showed {text}: {e}"));
}

#[tokio::test]
async fn an_admin_adds_a_product_with_two_variants_and_a_picture_and_shoppers_find_it() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, false).await;
    let page = &session.page;
    let status = || page.locator("[role='status']");
    session
        .run("admin::an_admin_adds_a_product_with_two_variants_and_a_picture_and_shoppers_find_it", async {
            sign_up_and_confirm(page, &server, "grace@example.com").await;
            let made = server.command(&["create-admin", "grace@example.com"]).await;
            assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));

            page.goto(&server.url("/admin"), None).await.unwrap();
            find::link(page, "Products").click(None).await.unwrap();
            expect(find::main_heading(page)).to_have_text("Products").await.unwrap();
            page.get_by_label("Title", true).fill("Harbour Linen Shirt", None).await.unwrap();
            page.get_by_label("Brand", true).fill("Kestrel", None).await.unwrap();
            let category = page.get_by_label("Category", true);
            category.select_option(SelectOption::Label("T-Shirts".into()), None).await.unwrap();
            page.get_by_label("Description", true).fill("Washed linen, cut loose.", None).await.unwrap();
            find::button(page, "Create product").click(None).await.unwrap();
            expect(status()).to_contain_text("Product created as a draft").await.unwrap();
            expect(find::main_heading(page)).to_have_text("Harbour Linen Shirt").await.unwrap();

            page.get_by_label("New option (e.g. Size, Color)", true).fill("Size", None).await.unwrap();
            find::button(page, "Add option").click(None).await.unwrap();
            expect(status()).to_have_text("Options saved.").await.unwrap();
            for value in ["M", "L"] {
                page.get_by_label("New value of Size", true).fill(value, None).await.unwrap();
                find::button(page, "Add to Size").click(None).await.unwrap();
                expect(status()).to_have_text("Options saved.").await.unwrap();
            }
            for (sku, size, price, stock) in [("HLS-M", "M", "48", "4"), ("HLS-L", "L", "52.50", "2")] {
                page.get_by_label("SKU", true).fill(sku, None).await.unwrap();
                page.get_by_label("Size", true).select_option(SelectOption::Label(size.into()), None).await.unwrap();
                page.get_by_label("Price", true).fill(price, None).await.unwrap();
                page.get_by_label("Opening stock (received)", true).fill(stock, None).await.unwrap();
                find::button(page, "Add variant").click(None).await.unwrap();
                expect(status()).to_have_text("Variant added.").await.unwrap();
            }
            expect(page.get_by_label("Price of HLS-L", true)).to_have_value("52.50").await.unwrap();

            let bytes = include_bytes!("../fixtures/linen-shirt.png").to_vec();
            let picture = FilePayload::new("linen-shirt.png", "image/png", bytes);
            let file = page.get_by_label("Picture (PNG, JPEG or WebP, at most 5 MB)", true);
            file.set_input_files_payload(picture, None).await.unwrap();
            find::button(page, "Upload picture").click(None).await.unwrap();
            expect(status()).to_have_text("Picture added.").await.unwrap();
            expect(page.locator(".pictures img[src^='/media/']")).to_have_count(1).await.unwrap();

            find::button(page, "Publish").click(None).await.unwrap();
            expect(status()).to_have_text("Product saved.").await.unwrap();
            expect(page.locator("dl.facts")).to_contain_text("Active (on sale)").await.unwrap();
        })
        .await;
    session.close().await;

    // A shopper, with JavaScript (the wait below is a script), then without.
    let session = Session::launch(DESKTOP, true).await;
    let page = &session.page;
    session
        .run("admin::an_admin_adds_a_product_with_two_variants_and_a_picture_and_shoppers_find_it (shopper)", async {
            wait_until_page_has(page, &server, "/search?q=harbor+linnen", "Harbour Linen Shirt").await;
            page.goto(&server.url("/search?q=harbor+linnen"), None).await.unwrap();
            let card = "a.card__link:has(h2:text-is('Harbour Linen Shirt'))";
            page.locator(card).first().wait_for(None).await.unwrap();
            page.goto(&server.url("/c/t-shirts?sort=newest"), None).await.unwrap();
            end2end::wait_for_hydration(page).await;
            expect(page.locator(format!("{card} img[src^='/media/']"))).to_be_visible().await.unwrap();
            act::go(page, page.locator(card).first()).await;
            expect(find::main_heading(page)).to_have_text("Harbour Linen Shirt").await.unwrap();
            expect(page.locator("main img[src^='/media/']").first()).to_be_visible().await.unwrap();
            expect(page.locator("main")).to_contain_text("$48.00").await.unwrap();
            audit::assert_accessible(page).await;
        })
        .await;
    session.close().await;
}
