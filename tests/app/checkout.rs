//! The checkout on both backends: address validation, shipping and tax, promo codes (counted
//! atomically), totals the shopper saw, and the whole guest checkout over HTTP with the built-in
//! payment sandbox.

use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use storefront::model::checkout::Address;
use storefront::server::entities::promo_code;
use storefront::server::seed::SeedOptions;
use storefront::server::services::{checkout, inventory, orders, payments};

use crate::backend_tests;
use crate::helpers::form_value;
use crate::orders::{address, cart_with, checkout as order_form, rules, scalar, some_variant, stock_of};

async fn promo(db: &sea_orm::DatabaseConnection, code: &str, kind: &str, value: i64, min: i64, limit: Option<i32>) {
    promo_code::ActiveModel {
        code: Set(code.into()),
        kind: Set(kind.into()),
        value: Set(value),
        min_subtotal: Set(min),
        expires_at: Set(None),
        usage_limit: Set(limit),
        used_count: Set(0),
        active: Set(true),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
}

/// The `cart` cookie of a response.
pub fn cart_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("cart="))
        .and_then(|v| v.split(';').next())
        .expect("a cart cookie")
        .to_owned()
}

backend_tests! {
    async fn bad_details_are_refused_field_by_field_and_nothing_is_saved(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (_, sku) = some_variant(&app.db, 0).await;
        inventory::set_stock(&app.db, &sku, 10, "test").await.unwrap();
        let cart_id = cart_with(&app.db, &sku, 1).await;
        let bad = Address { postal_code: "ABC".into(), region: "ZZ".into(), city: String::new(), ..address() };
        let refused = checkout::save_details(&app.db, cart_id, "not-an-email", &bad).await.unwrap_err();
        for field in ["email", "postal_code", "region", "city"] {
            assert!(refused.field(field).is_some(), "{field}: {refused:?}");
        }
        let view = checkout::view(&app.db, cart_id, &rules()).await.unwrap();
        assert!(view.address.is_none() && view.email.is_empty(), "nothing saved");

        assert!(checkout::choose_shipping(&app.db, cart_id, &rules(), "teleport").await.unwrap_err().field("method").is_some());
        let unknown = checkout::apply_promo(&app.db, cart_id, "NOPE").await.unwrap_err();
        assert_eq!(unknown.field("code"), Some("NOPE is not a valid code."));
    }

    async fn totals_come_from_the_server_with_shipping_tax_and_promo(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (variant_id, sku) = some_variant(&app.db, 1).await;
        inventory::set_stock(&app.db, &sku, 10, "test").await.unwrap();
        app.db.execute_unprepared(&format!("UPDATE variants SET price = 2000 WHERE id = {variant_id}")).await.unwrap();
        let cart_id = cart_with(&app.db, &sku, 2).await;
        let california = Address { region: "CA".into(), postal_code: "94105".into(), ..address() };
        checkout::save_details(&app.db, cart_id, "Ada@Example.com", &california).await.unwrap();
        checkout::choose_shipping(&app.db, cart_id, &rules(), "standard").await.unwrap();
        promo(&app.db, "TENOFF", "percent", 10, 3000, None).await;
        checkout::apply_promo(&app.db, cart_id, "tenoff").await.unwrap();

        let view = checkout::view(&app.db, cart_id, &rules()).await.unwrap();
        assert_eq!(view.email, "ada@example.com");
        assert_eq!(view.promo_code, "TENOFF");
        // $40.00 − 10 % = $36.00; standard shipping $5.95 (free from $75); 7.25 % CA tax on $41.95 = $3.04.
        let t = view.totals;
        assert_eq!((t.subtotal, t.discount, t.shipping, t.tax, t.total), (4000, 400, 595, 304, 4499));
        assert_eq!(view.choices.iter().map(|c| c.price.minor).collect::<Vec<_>>(), vec![595, 1995]);

        // The order charges exactly that, and only if the shopper saw that total.
        let mut form = order_form("totals");
        form.address = california;
        form.promo_code = "TENOFF".into();
        form.expected_total = Some(4000);
        let refused = orders::place_order(&app.db, cart_id, &form, &rules()).await.unwrap_err();
        assert!(refused.field("total").is_some_and(|m| m.contains("$44.99")), "{refused:?}");
        assert_eq!(stock_of(&app.db, variant_id).await, 10, "nothing taken");
        form.expected_total = Some(4499);
        let placed = orders::place_order(&app.db, cart_id, &form, &rules()).await.unwrap();
        let model = payments::find_order(&app.db, &placed.token).await.unwrap().expect("the order");
        let order = orders::view(&app.db, model, &rules()).await.unwrap();
        assert_eq!(order.totals, t);
        assert_eq!(scalar(&app.db, "SELECT CAST(used_count AS BIGINT) FROM promo_codes WHERE code = 'TENOFF'").await, 1);

        // Below its minimum a code is kept with a note and takes nothing off.
        let small = cart_with(&app.db, &sku, 1).await;
        checkout::apply_promo(&app.db, small, "TENOFF").await.unwrap();
        let view = checkout::view(&app.db, small, &rules()).await.unwrap();
        assert_eq!(view.totals.discount, 0);
        assert!(view.promo_note.unwrap().contains("from a subtotal of $30.00"));
    }

    async fn a_promo_code_with_a_usage_limit_is_never_used_more_often_under_concurrency(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        promo(&app.db, "THREE", "fixed", 500, 0, Some(3)).await;
        // Each buyer on a different item: nothing but the code's counter is shared between them.
        let mut carts = Vec::new();
        for i in 0..10 {
            let (_, sku) = some_variant(&app.db, i).await;
            inventory::set_stock(&app.db, &sku, 100, "test").await.unwrap();
            carts.push(cart_with(&app.db, &sku, 1).await);
        }
        let buyers = carts.into_iter().enumerate().map(|(i, cart_id)| {
            let db = app.db.clone();
            tokio::spawn(async move {
                let form = orders::Checkout { promo_code: "THREE".into(), ..order_form(&format!("promo-{i}")) };
                orders::place_order(&db, cart_id, &form, &rules()).await
            })
        });
        let results: Vec<_> = futures::future::join_all(buyers).await.into_iter().map(Result::unwrap).collect();
        let placed = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(placed, 3, "{results:?}");
        assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| e.field("promo_code").is_some()));
        assert_eq!(scalar(&app.db, "SELECT CAST(used_count AS BIGINT) FROM promo_codes WHERE code = 'THREE'").await, 3);
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE discount = 500").await, 3);

        // An order cancelled at the end of its hold gives its use back.
        payments::expire_holds(&app.db, &app.state.payments, chrono::Utc::now() + chrono::Duration::minutes(16)).await.unwrap();
        assert_eq!(scalar(&app.db, "SELECT CAST(used_count AS BIGINT) FROM promo_codes WHERE code = 'THREE'").await, 0);
    }

    async fn a_guest_checks_out_over_http_and_pays_on_the_providers_page_after_a_declined_card(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (variant_id, sku) = some_variant(&app.db, 3).await;
        inventory::set_stock(&app.db, &sku, 5, "test").await.unwrap();
        let post = |path: &str, cookie: Option<&str>, form: &[(&str, &str)]| {
            let mut request = app.client.post(app.url(path)).form(form);
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            request.send()
        };
        let added = post("/api/cart/add", None, &[("sku", &sku), ("quantity", "2")]).await.unwrap();
        assert!(added.status().is_success(), "{}", added.status());
        let cart = cart_cookie(&added);
        let cookie = Some(cart.as_str());

        let bad = post("/api/checkout/details", cookie, &[("email", "x"), ("name", ""), ("line1", "1 Main St"), ("city", "Town"), ("postal_code", "1"), ("country", "US")]).await.unwrap();
        assert_eq!(bad.status(), 422);
        let body: serde_json::Value = bad.json().await.unwrap();
        assert!(body.to_string().contains("email"), "{body}");

        let details = [("email", "guest@example.com"), ("name", "Grace Hopper"), ("line1", "1 Navy Way"), ("city", "Arlington"), ("region", "VA"), ("postal_code", "22201"), ("country", "US")];
        let saved = post("/api/checkout/details", cookie, &details).await.unwrap();
        assert!(saved.status().is_success() || saved.status().is_redirection(), "{}", saved.status());
        let chosen = post("/api/checkout/shipping", cookie, &[("method", "express")]).await.unwrap();
        assert!(chosen.status().is_success() || chosen.status().is_redirection());

        let review = app.client.get(app.url("/checkout/review")).header("cookie", cart.as_str()).send().await.unwrap();
        assert_eq!(review.status(), 200);
        let html = review.text().await.unwrap();
        let hidden = |name: &str| form_value(&html, name).unwrap_or_else(|| panic!("{name} in the review"));
        let (key, total) = (hidden("idempotency_key"), hidden("expected_total"));
        assert!(html.contains("Express (1–2 business days)") && html.contains("Place order"));

        // Double submit: one order, both answers point at it.
        let (first, second) = tokio::join!(
            post("/api/checkout/place", cookie, &[("idempotency_key", &key), ("expected_total", &total)]),
            post("/api/checkout/place", cookie, &[("idempotency_key", &key), ("expected_total", &total)]),
        );
        let (first, second) = (first.unwrap(), second.unwrap());
        let statuses = [first.status().as_u16(), second.status().as_u16()];
        let bodies = [first.text().await.unwrap(), second.text().await.unwrap()];
        assert!(statuses.iter().all(|s| [200, 302, 303, 409].contains(s)), "{statuses:?} {bodies:?}");
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM orders").await, 1);
        assert_eq!(stock_of(&app.db, variant_id).await, 3);
        let token: String = {
            let row = app.db.query_one_raw(sea_orm::Statement::from_string(app.db.get_database_backend(), "SELECT token FROM orders")).await.unwrap().unwrap();
            row.try_get_by_index(0).unwrap()
        };
        // The cart forgot the email, address and code it was placed with (the order keeps them), and a
        // refresh of the same submit still answers with the same order.
        let remembered = "SELECT CAST(COUNT(*) AS BIGINT) FROM carts WHERE email <> '' OR shipping_address <> '' OR promo_code <> ''";
        assert_eq!(scalar(&app.db, remembered).await, 0);
        let refreshed = post("/api/checkout/place", cookie, &[("idempotency_key", &key), ("expected_total", &total)]).await.unwrap();
        assert_eq!(refreshed.status(), 200);
        assert!(refreshed.text().await.unwrap().contains(&token), "the same order");
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM orders").await, 1);
        let page = app.page(&format!("/orders/{token}")).await;
        assert_eq!(page.0, 200);
        assert!(page.1.contains("role=\"timer\"") && page.1.contains("Pay for order"), "the payment page with its countdown");
        assert!(page.1.contains("Test mode"), "the sandbox is named");
        assert!(!page.1.contains("cc-number") && !page.1.contains("name=\"number\""), "no card field on the store's page");

        // "Pay" goes to the provider's page; the card is typed there.
        let hosted = app.payment_page(&token).await;
        let declined = app.pay_on(&hosted, "4000 0000 0000 0002").await;
        assert_eq!(declined.status(), 402);
        assert!(declined.text().await.unwrap().contains("Your card was declined."));
        let still = app.page(&format!("/orders/{token}")).await.1;
        assert!(still.contains("Pay for order"), "still payable");

        let paid = app.pay_on(&hosted, "4242424242424242").await;
        assert_eq!(paid.status(), 303);
        assert_eq!(paid.headers()["location"], app.url(&format!("/orders/{token}")).as_str(), "back to the order");
        let confirmed = app.page(&format!("/orders/{token}")).await.1;
        assert!(confirmed.contains("Your order is confirmed"), "{confirmed}");
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox WHERE to_address = 'guest@example.com'").await, 1);
        // No card number anywhere in the database (the sandbox shares it, so it keeps digests only).
        let columns = [("orders", "card_last4"), ("orders", "payment_error"), ("sandbox_idempotency", "request"),
            ("sandbox_idempotency", "response"), ("sandbox_objects", "body"), ("sandbox_webhooks", "payload"), ("mail_outbox", "body")];
        for (table, column) in columns {
            let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table} WHERE {column} LIKE '%42424242%' OR {column} LIKE '%00000002%'");
            assert_eq!(scalar(&app.db, &sql).await, 0, "{table}.{column}");
        }
        // The sandbox's webhooks reach the store and change nothing more.
        let mut seen = 0;
        for _ in 0..100 {
            seen = scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_events").await;
            if seen >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(seen >= 2, "the session's and the intent's events were delivered");
        let card = app.page(&format!("/orders/{token}")).await.1;
        assert!(card.contains("Visa ending 4242"), "the provider's card summary, from its webhook");
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox").await, 1, "one mail");
        let mailbox = app.page("/dev/mailbox").await.1;
        assert!(mailbox.contains(&format!("/orders/{token}")));
    }
}
