//! An account's order history on both backends: a signed-in checkout's order is the account's, guest
//! orders to its address join once the address is confirmed, and nobody sees another's orders.

use storefront::server::seed::SeedOptions;
use storefront::server::services::inventory;
use storefront::server::services::orders::{Checkout, place_order};

use crate::backend_tests;
use crate::orders::{cart_with, checkout, rules, scalar, some_variant};
use crate::shopper::{Shopper, link_token, location};

const PASSWORD: &str = "correct horse battery staple";

/// A guest order of one unit of `sku` with `email`: its token.
async fn guest_order(app: &crate::helpers::TestApp, sku: &str, email: &str, key: &str) -> String {
    let cart_id = cart_with(&app.db, sku, 1).await;
    let form = Checkout { email: email.into(), ..checkout(key) };
    place_order(&app.db, cart_id, &form, &rules()).await.expect("the order is placed").token
}

backend_tests! {
    async fn a_signed_in_checkout_is_listed_in_that_account_and_in_no_other(app: TestApp) {
        app.seed(SeedOptions { products: 4, seed: 11 }).await;
        let (_, sku) = some_variant(&app.db, 0).await;
        inventory::set_stock(&app.db, &sku, 10, "test").await.unwrap();
        let ada = Shopper::registered(&app, "Ada Lovelace", "ada@example.com", PASSWORD).await;
        let token = ada.check_out(&sku, "ada@example.com").await;
        let owner = scalar(&app.db, &format!("SELECT CAST(COALESCE(user_id, 0) AS BIGINT) FROM orders WHERE token = '{token}'")).await;
        let ada_id = scalar(&app.db, "SELECT CAST(id AS BIGINT) FROM users WHERE email = 'ada@example.com'").await;
        assert_eq!(owner, ada_id, "the order is the account's");

        let (status, page) = ada.page("/account/orders").await;
        assert_eq!(status, 200);
        assert!(page.contains(&format!("href=\"/orders/{token}\"")), "{page}");
        assert!(page.contains("Awaiting payment") && page.contains("1 item"), "{page}");

        // Bob places an order with Ada's address while signed in as himself: it is his, not hers.
        let bob = Shopper::registered(&app, "Bob Marley", "bob@example.com", PASSWORD).await;
        let (_, empty) = bob.page("/account/orders").await;
        assert!(empty.contains("You haven't placed an order yet.") && !empty.contains(&token), "{empty}");
        let bobs = bob.check_out(&sku, "ada@example.com").await;
        let (_, bob_page) = bob.page("/account/orders").await;
        assert!(bob_page.contains(&bobs) && !bob_page.contains(&token), "{bob_page}");
        let (_, ada_page) = ada.page("/account/orders").await;
        assert!(ada_page.contains(&token) && !ada_page.contains(&bobs), "{ada_page}");

        // Guests are asked to sign in and come back; a script is told nobody is signed in.
        let guest = Shopper::new(&app);
        let response = guest.get("/account/orders").await;
        assert_eq!(response.status(), 302);
        assert_eq!(location(&response), "/account/sign-in?next=/account/orders");
        let answer = guest.post("/api/account/orders", &[]).await;
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.text().await.unwrap(), "null");
        assert_eq!(ada.get("/account/orders").await.headers()["cache-control"], "no-store");
    }

    async fn guest_orders_to_an_address_join_its_history_once_the_address_is_confirmed(app: TestApp) {
        app.seed(SeedOptions { products: 4, seed: 12 }).await;
        let (_, sku) = some_variant(&app.db, 0).await;
        inventory::set_stock(&app.db, &sku, 10, "test").await.unwrap();
        let before = guest_order(&app, &sku, "grace@example.com", "before").await;
        let someone_else = guest_order(&app, &sku, "other@example.com", "other").await;

        let grace = Shopper::new(&app);
        assert_eq!(grace.sign_up("Grace Hopper", "Grace@Example.com", PASSWORD).await.status(), 302);
        assert_eq!(location(&grace.sign_in("grace@example.com", PASSWORD).await), "/account");
        let (_, unconfirmed) = grace.page("/account/orders").await;
        assert!(!unconfirmed.contains(&before), "not before the address is confirmed: {unconfirmed}");

        let token = link_token(&app.db, "grace@example.com", "/account/verify?token=").await.unwrap();
        assert_eq!(location(&grace.submit("/api/account/verify", &[("token", &token)]).await), "/account?verified=1");
        let after = guest_order(&app, &sku, "grace@example.com", "after").await;
        let (_, confirmed) = grace.page("/account/orders").await;
        let (at_after, at_before) = (confirmed.find(&after), confirmed.find(&before));
        assert!(at_after.is_some() && at_before.is_some(), "both guest orders: {confirmed}");
        assert!(at_after < at_before, "newest first");
        assert!(!confirmed.contains(&someone_else), "{confirmed}");
    }
}
