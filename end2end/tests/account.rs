//! Accounts in the browser: sign up, confirm the address from the link in the (development) mailbox,
//! sign out, a wrong password's message, sign in, a new name on the profile, reset the password from the mailed link and see the
//! old one fail, save a product with its heart and move it from the wishlist to the cart; a guest's cart survives signing in, with a notice, and the order placed from it is in the order history. And the same forms without
//! JavaScript.

use end2end::browser::{DESKTOP, Session};
use end2end::server::Server;
use end2end::{act, audit, find};
use playwright_rs::protocol::WaitForFunctionOptions;
use playwright_rs::{Page, expect};

const PASSWORD: &str = "correct horse battery staple";

/// Opens the newest mail's link that contains `marker` from /dev/mailbox.
async fn open_mailed_link(page: &Page, server: &Server, marker: &str, javascript: bool) {
    page.goto(&server.url("/dev/mailbox"), None).await.unwrap();
    let link = page.locator(format!(".mail a[href*='{marker}']")).first();
    if javascript {
        act::go(page, link).await;
    } else {
        link.click(None).await.unwrap();
    }
}

/// "Sign out" from the header's account menu.
async fn sign_out_from_menu(page: &Page, javascript: bool) {
    page.locator(".account-menu summary").click(None).await.unwrap();
    let button = page.locator(".account-menu").locator("button:text-is('Sign out')");
    if javascript {
        act::go(page, button).await;
    } else {
        button.click(None).await.unwrap();
    }
    expect(find::link(page, "Sign in")).to_be_visible().await.unwrap();
}

async fn fill_sign_in(page: &Page, email: &str, password: &str) {
    page.get_by_label("Email", true).fill(email, None).await.unwrap();
    page.get_by_label("Password", true).fill(password, None).await.unwrap();
}

async fn sign_up_and_confirm(page: &Page, server: &Server, name: &str, email: &str, javascript: bool) {
    page.goto(&server.url("/account/sign-up"), None).await.unwrap();
    expect(find::main_heading(page)).to_have_text("Create an account").await.unwrap();
    page.get_by_label("Name", true).fill(name, None).await.unwrap();
    page.get_by_label("Email", true).fill(email, None).await.unwrap();
    page.get_by_label("Password", true).fill(PASSWORD, None).await.unwrap();
    find::button(page, "Create account").click(None).await.unwrap();
    expect(find::main_heading(page)).to_have_text("Check your inbox").await.unwrap();

    open_mailed_link(page, server, "/account/verify?token=", javascript).await;
    expect(find::main_heading(page)).to_have_text("Confirm your email").await.unwrap();
    find::button(page, "Confirm my email").click(None).await.unwrap();
    expect(page.locator("[role='status']").first()).to_contain_text("your email address is confirmed").await.unwrap();
    let first = name.split_whitespace().next().unwrap();
    expect(page.locator(".account-menu summary")).to_contain_text(first).await.unwrap();
}

#[tokio::test]
async fn a_shopper_signs_up_confirms_signs_out_and_resets_a_forgotten_password() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, true).await;
    let page = &session.page;
    session
        .run("account::a_shopper_signs_up_confirms_signs_out_and_resets_a_forgotten_password", async {
            page.goto(&server.url("/"), None).await.unwrap();
            end2end::wait_for_hydration(page).await;
            act::go(page, find::link(page, "Sign in")).await;
            audit::assert_accessible(page).await;
            act::go(page, find::link(page, "Create an account")).await;
            audit::assert_accessible(page).await;
            sign_up_and_confirm(page, &server, "Ada Lovelace", "ada@example.com", true).await;
            audit::assert_accessible(page).await;

            // The account menu's "Sign out" leaves a signed-out header.
            sign_out_from_menu(page, true).await;

            // A wrong password is named on the form; the right one signs in.
            act::go(page, find::link(page, "Sign in")).await;
            fill_sign_in(page, "ada@example.com", "not my password").await;
            find::button(page, "Sign in").click(None).await.unwrap();
            expect(page.locator("[role='alert']")).to_contain_text("don't match an account").await.unwrap();
            fill_sign_in(page, "ada@example.com", PASSWORD).await;
            find::button(page, "Sign in").click(None).await.unwrap();
            expect(find::main_heading(page)).to_have_text("Your account").await.unwrap();

            // The profile: a new name is saved, and the header greets her by it.
            act::go(page, find::link(page, "Change your name or email")).await;
            expect(find::main_heading(page)).to_have_text("Your profile").await.unwrap();
            audit::assert_accessible(page).await;
            page.get_by_label("Name", true).fill("Augusta Ada King", None).await.unwrap();
            find::button(page, "Save name").click(None).await.unwrap();
            expect(page.locator("[role='status']").first()).to_contain_text("Your name was saved").await.unwrap();
            expect(page.locator(".account-menu summary")).to_contain_text("Augusta").await.unwrap();
            page.goto(&server.url("/account"), None).await.unwrap();
            act::go(page, page.locator(".account__actions").locator("button:text-is('Sign out')")).await;

            // Forgot it: a link by mail, a new password, and the old one no longer works.
            page.goto(&server.url("/account/sign-in"), None).await.unwrap();
            act::go(page, find::link(page, "Forgot your password?")).await;
            page.get_by_label("Email", true).fill("ada@example.com", None).await.unwrap();
            find::button(page, "Send the link").click(None).await.unwrap();
            expect(find::main_heading(page)).to_have_text("Check your inbox").await.unwrap();
            // The mail is queued just after the answer (the answer takes as long for every address):
            // wait until the mailbox lists it.
            let mailed =
                "async () => (await (await fetch('/dev/mailbox')).text()).includes('/account/reset-password?token=')";
            let options = WaitForFunctionOptions::default().polling_interval(100.0).timeout(5000.0);
            page.wait_for_function(mailed, options).await.expect("the reset mail reaches the mailbox");
            open_mailed_link(page, &server, "/account/reset-password?token=", true).await;
            audit::assert_accessible(page).await;
            page.get_by_label("New password", true).fill("a brand new passphrase", None).await.unwrap();
            find::button(page, "Save the new password").click(None).await.unwrap();
            expect(page.locator("[role='status']").first()).to_contain_text("Your password was changed").await.unwrap();
            fill_sign_in(page, "ada@example.com", PASSWORD).await;
            find::button(page, "Sign in").click(None).await.unwrap();
            expect(page.locator("[role='alert']")).to_contain_text("don't match an account").await.unwrap();
            fill_sign_in(page, "ada@example.com", "a brand new passphrase").await;
            find::button(page, "Sign in").click(None).await.unwrap();
            expect(find::main_heading(page)).to_have_text("Your account").await.unwrap();

            // The wishlist: the product page's heart fills in place, the wishlist lists the product, and
            // "Move to cart" puts it in the cart and takes it off the wishlist.
            let title = act::open_product_in(page, &server, "/c/drinkware", true).await;
            let heart = find::button(page, "Save to wishlist");
            expect(heart.clone()).to_have_attribute("aria-pressed", "false").await.unwrap();
            heart.click(None).await.unwrap();
            expect(heart).to_have_attribute("aria-pressed", "true").await.unwrap();
            page.goto(&server.url("/account/wishlist"), None).await.unwrap();
            end2end::wait_for_hydration(page).await;
            expect(find::main_heading(page)).to_have_text("Your wishlist").await.unwrap();
            expect(page.locator(".wishlist__title")).to_have_text(&title).await.unwrap();
            audit::assert_accessible(page).await;
            act::go(page, find::button(page, &format!("Move to cart: {title}"))).await;
            expect(page.locator("[role='status']").first()).to_contain_text("Moved to your cart").await.unwrap();
            expect(page.locator(".site-header__cart .badge")).to_have_text("1").await.unwrap();
            expect(page.locator(".wishlist__item")).to_have_count(0).await.unwrap();
            assert_eq!(session.console_errors(), Vec::<String>::new());
        })
        .await;
    session.close().await;
}

#[tokio::test]
async fn a_guest_cart_survives_sign_in_with_a_notice_without_javascript() {
    let server = Server::start().await;
    let session = Session::launch(DESKTOP, false).await;
    let page = &session.page;
    session
        .run("account::a_guest_cart_survives_sign_in_with_a_notice_without_javascript", async {
            // Signed in, one item goes in the account's cart; signing out leaves an empty guest cart.
            sign_up_and_confirm(page, &server, "Grace Hopper", "grace@example.com", false).await;
            let kept = act::open_product_in(page, &server, "/c/drinkware", false).await;
            find::button(page, "Add to cart").click(None).await.unwrap();
            expect(page.locator(".site-header__cart .badge")).to_have_text("1").await.unwrap();
            sign_out_from_menu(page, false).await;
            expect(page.locator(".site-header__cart .badge")).to_have_text("0").await.unwrap();

            // As a guest, another item; signing in joins the two carts and says so.
            let added = act::open_product_in(page, &server, "/c/bags", false).await;
            find::button(page, "Add to cart").click(None).await.unwrap();
            expect(page.locator(".site-header__cart .badge")).to_have_text("1").await.unwrap();
            page.goto(&server.url("/account/sign-in?next=/cart"), None).await.unwrap();
            fill_sign_in(page, "grace@example.com", PASSWORD).await;
            find::button(page, "Sign in").click(None).await.unwrap();
            expect(find::main_heading(page)).to_have_text("Your cart").await.unwrap();
            expect(page.locator(".notice").first())
                .to_contain_text("1 item from before you signed in was added")
                .await
                .unwrap();
            expect(page.locator(".cart")).to_contain_text(kept.as_str()).await.unwrap();
            expect(page.locator(".cart")).to_contain_text(added.as_str()).await.unwrap();
            expect(page.locator(".site-header__cart .badge")).to_have_text("2").await.unwrap();

            // Her order is in her order history, with its status, and opens.
            act::place_order(page, &server, "grace@example.com").await;
            expect(find::main_heading(page)).to_have_text("Pay for order #1").await.unwrap();
            page.goto(&server.url("/account/orders"), None).await.unwrap();
            let order = page.locator(".order-history__order");
            expect(order.clone()).to_have_count(1).await.unwrap();
            expect(order.clone()).to_contain_text("Order #1").await.unwrap();
            expect(order.clone()).to_contain_text("2 items").await.unwrap();
            expect(order.locator(".order-history__status")).to_have_text("Awaiting payment").await.unwrap();
            find::link(page, "Order #1").click(None).await.unwrap();
            expect(find::main_heading(page)).to_have_text("Pay for order #1").await.unwrap();
        })
        .await;
    session.close().await;
}
