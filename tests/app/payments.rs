//! Payment webhooks and the late-payment sweeper on both backends: signatures, duplicates, any order
//! of events, unknown types; a payment that arrives after the hold ran out is settled once.

use serde_json::json;
use storefront::server::seed::SeedOptions;
use storefront::server::services::payments::{self, Card};
use storefront::server::services::{inventory, orders};

use crate::backend_tests;
use crate::orders::{cart_with, checkout as order_form, rules, scalar, some_variant, stock_of};

fn intent_event(id: &str, kind: &str, intent_id: &str, amount: i64, order_id: i32) -> serde_json::Value {
    json!({
        "id": id,
        "object": "event",
        "type": kind,
        "created": chrono::Utc::now().timestamp(),
        "data": { "object": {
            "id": intent_id,
            "object": "payment_intent",
            "status": if kind == "payment_intent.succeeded" { "succeeded" } else { "requires_payment_method" },
            "amount": amount,
            "currency": "usd",
            "metadata": { "order_id": order_id.to_string() },
            "last_payment_error": { "message": "Your card was declined." },
        } },
    })
}

impl crate::helpers::TestApp {
    /// Posts an event to the webhook endpoint, signed `seconds_ago` with `secret`.
    async fn webhook(&self, event: &serde_json::Value, secret: &str, seconds_ago: i64) -> reqwest::Response {
        let body = event.to_string();
        let signature = payments::sign(secret, chrono::Utc::now().timestamp() - seconds_ago, body.as_bytes());
        self.client
            .post(self.url("/webhooks/payments"))
            .header("content-type", "application/json")
            .header("stripe-signature", signature)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    fn secret(&self) -> String {
        self.state.settings.payments.webhook_secret.expose().to_owned()
    }
}

async fn order_status(db: &sea_orm::DatabaseConnection, order_id: i32) -> (String, String) {
    use sea_orm::EntityTrait;
    let order = storefront::server::entities::order::Entity::find_by_id(order_id).one(db).await.unwrap().unwrap();
    (order.status, order.payment_status)
}

backend_tests! {
    async fn webhooks_are_verified_applied_once_and_in_any_order(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (_, sku) = some_variant(&app.db, 0).await;
        inventory::set_stock(&app.db, &sku, 5, "test").await.unwrap();
        let cart_id = cart_with(&app.db, &sku, 1).await;
        let placed = orders::place_order(&app.db, cart_id, &order_form("hooks"), &rules()).await.unwrap();
        let total = scalar(&app.db, &format!("SELECT total FROM orders WHERE id = {}", placed.order_id)).await;
        let succeeded = intent_event("evt_ok", "payment_intent.succeeded", "pi_test_1", total, placed.order_id);

        // Bad signature, stale timestamp, no signature: 400 and nothing recorded.
        assert_eq!(app.webhook(&succeeded, "whsec_wrong", 0).await.status(), 400);
        assert_eq!(app.webhook(&succeeded, &app.secret(), 301).await.status(), 400);
        let unsigned = app.client.post(app.url("/webhooks/payments")).body(succeeded.to_string()).send().await.unwrap();
        assert_eq!(unsigned.status(), 400);
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_events").await, 0);
        assert_eq!(order_status(&app.db, placed.order_id).await.0, "pending_payment");

        // Applied once; the redelivery is recognised.
        let first = app.webhook(&succeeded, &app.secret(), 10).await;
        assert_eq!(first.status(), 200);
        assert_eq!(order_status(&app.db, placed.order_id).await, ("paid".into(), "succeeded".into()));
        let again: serde_json::Value = app.webhook(&succeeded, &app.secret(), 0).await.json().await.unwrap();
        assert!(again["outcome"].as_str().unwrap().starts_with("duplicate"), "{again}");
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox").await, 1, "one confirmation");

        // A failure that arrives late never undoes the success.
        let failed = intent_event("evt_late_fail", "payment_intent.payment_failed", "pi_test_1", total, placed.order_id);
        assert_eq!(app.webhook(&failed, &app.secret(), 0).await.status(), 200);
        assert_eq!(order_status(&app.db, placed.order_id).await, ("paid".into(), "succeeded".into()));

        // Unknown event types are acknowledged and recorded, not applied.
        let unknown = json!({ "id": "evt_x", "type": "customer.created", "data": { "object": {} } });
        let answer: serde_json::Value = app.webhook(&unknown, &app.secret(), 0).await.json().await.unwrap();
        assert!(answer["outcome"].as_str().unwrap().starts_with("ignored"));

        // Concurrent redeliveries of one new event: applied once.
        let cart_id = cart_with(&app.db, &sku, 1).await;
        let second = orders::place_order(&app.db, cart_id, &order_form("hooks-2"), &rules()).await.unwrap();
        let event = intent_event("evt_race", "payment_intent.succeeded", "pi_test_2", total, second.order_id);
        let secret = app.secret();
        let deliveries = (0..8).map(|_| app.webhook(&event, &secret, 0));
        let answers = futures::future::join_all(deliveries).await;
        assert!(answers.iter().all(|r| r.status() == 200));
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox").await, 2);
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_events WHERE id = 'evt_race'").await, 1);
    }

    async fn a_payment_after_the_hold_ran_out_is_revived_when_stock_remains_and_refunded_otherwise(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (variant_id, sku) = some_variant(&app.db, 1).await;
        inventory::set_stock(&app.db, &sku, 3, "test").await.unwrap();
        let later = chrono::Utc::now() + chrono::Duration::minutes(16);
        let provider = &app.state.payments.provider;
        let card = Card::parse("4242424242424242", "12/40", "123", chrono::Utc::now().date_naive()).unwrap();

        // Both orders expire, then both are paid at the provider (the shopper's bank was slow).
        let mut placed = Vec::new();
        for key in ["late-1", "late-2"] {
            let cart_id = cart_with(&app.db, &sku, 1).await;
            placed.push(orders::place_order(&app.db, cart_id, &order_form(key), &rules()).await.unwrap());
        }
        assert_eq!(orders::expire_holds(&app.db, later).await.unwrap(), 2);
        assert_eq!(stock_of(&app.db, variant_id).await, 3);
        for order in &placed {
            let model = payments::find_order(&app.db, &order.token).await.unwrap().unwrap();
            let intent = provider.create_intent(&model).await.unwrap();
            let paid = provider.confirm_intent(&intent.id, &card, &order.token).await.unwrap();
            let event = intent_event(&format!("evt_{}", order.order_id), "payment_intent.succeeded", &paid.id, paid.amount, order.order_id);
            assert_eq!(app.webhook(&event, &app.secret(), 0).await.status(), 200);
            assert_eq!(order_status(&app.db, order.order_id).await, ("cancelled".into(), "succeeded".into()));
        }
        // Only one unit is left for the two of them.
        inventory::set_stock(&app.db, &sku, 1, "test").await.unwrap();

        // Two nodes sweep at once: one revives, one refunds, nothing twice.
        let (a, b) = tokio::join!(payments::sweep(&app.db, &app.state.payments), payments::sweep(&app.db, &app.state.payments));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!((a.0 + b.0, a.1 + b.1), (1, 1), "{a:?} {b:?}");
        assert_eq!(order_status(&app.db, placed[0].order_id).await, ("paid".into(), "succeeded".into()));
        assert_eq!(order_status(&app.db, placed[1].order_id).await, ("refunded".into(), "refunded".into()));
        assert_eq!(stock_of(&app.db, variant_id).await, 0);
        let ledger = inventory::ledger_sum(&app.db, variant_id).await.unwrap();
        assert_eq!(ledger, 0, "stock equals its ledger");
        let note = scalar(&app.db, &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE id = {} AND note LIKE 'Refunded automatically%'", placed[1].order_id)).await;
        assert_eq!(note, 1, "the reason is recorded");
        // Nothing left to settle: a second sweep does nothing.
        assert_eq!(payments::sweep(&app.db, &app.state.payments).await.unwrap(), (0, 0));
    }

    async fn a_refund_that_fails_is_retried_and_its_order_is_never_revived(app: TestApp) {
        app.seed(SeedOptions { products: 10, seed: 4 }).await;
        let (variant_id, sku) = some_variant(&app.db, 1).await;
        inventory::set_stock(&app.db, &sku, 1, "test").await.unwrap();
        let provider = &app.state.payments.provider;
        let card = Card::parse("4242424242424242", "12/40", "123", chrono::Utc::now().date_naive()).unwrap();
        let cart_id = cart_with(&app.db, &sku, 1).await;
        let placed = orders::place_order(&app.db, cart_id, &order_form("late-refund"), &rules()).await.unwrap();
        assert_eq!(orders::expire_holds(&app.db, chrono::Utc::now() + chrono::Duration::minutes(16)).await.unwrap(), 1);
        let model = payments::find_order(&app.db, &placed.token).await.unwrap().unwrap();
        let intent = provider.create_intent(&model).await.unwrap();
        let paid = provider.confirm_intent(&intent.id, &card, &placed.token).await.unwrap();
        let event = intent_event("evt_late_refund", "payment_intent.succeeded", &paid.id, paid.amount, placed.order_id);
        assert_eq!(app.webhook(&event, &app.secret(), 0).await.status(), 200);
        inventory::set_stock(&app.db, &sku, 0, "test").await.unwrap();
        let mails = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox WHERE order_id = {}", placed.order_id);
        let mails_before = scalar(&app.db, &mails).await;

        // The provider cannot be reached while refunding (the refund may or may not have happened).
        let unreachable = payments::Payments {
            provider: payments::Provider::new(&storefront::server::config::PaymentSettings {
                api_base: "http://127.0.0.1:9".into(),
                secret_key: storefront::server::config::Secret::new("sk_test_sandbox"),
                webhook_secret: storefront::server::config::Secret::new("unused"),
                sandbox: false,
            }),
            ..app.state.payments.clone()
        };
        assert_eq!(payments::sweep(&app.db, &unreachable).await.unwrap(), (0, 0));
        assert_eq!(order_status(&app.db, placed.order_id).await, ("cancelled".into(), "refunding".into()));
        // Stock comes back: an order sent to refund is never revived (its money may be on its way back).
        inventory::set_stock(&app.db, &sku, 5, "test").await.unwrap();
        assert_eq!(payments::sweep(&app.db, &app.state.payments).await.unwrap(), (0, 0), "the retry waits");
        assert_eq!(order_status(&app.db, placed.order_id).await, ("cancelled".into(), "refunding".into()));
        // Five minutes on, the same refund is asked for again, and this time it goes through.
        {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
            use storefront::server::entities::order;
            let minutes_ago = chrono::Utc::now() - chrono::Duration::minutes(6);
            order::Entity::update_many()
                .col_expr(order::Column::UpdatedAt, Expr::value(minutes_ago))
                .filter(order::Column::Id.eq(placed.order_id))
                .exec(&app.db)
                .await
                .unwrap();
        }
        // The app's own housekeeping (every 30 s) may take this round first: whichever sweep claims the
        // order refunds it, and the provider holds exactly one refund.
        let (revived, _) = payments::sweep(&app.db, &app.state.payments).await.unwrap();
        assert_eq!(revived, 0);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while order_status(&app.db, placed.order_id).await.1 != "refunded" && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(order_status(&app.db, placed.order_id).await, ("refunded".into(), "refunded".into()));
        let refunds = "SELECT CAST(COUNT(*) AS BIGINT) FROM sandbox_objects WHERE kind = 'refund'";
        assert_eq!(scalar(&app.db, refunds).await, 1, "one refund at the provider");
        assert_eq!(stock_of(&app.db, variant_id).await, 5, "no stock was taken for it");
        assert_eq!(scalar(&app.db, &mails).await, mails_before, "no order-paid mail for money that was returned");
    }

    async fn the_sandbox_refuses_a_non_ascii_card_number_and_keeps_answering_the_same_key(app: TestApp) {
        let key = app.state.settings.payments.secret_key.expose().to_owned();
        let post = |path: &str, body: &str, idempotency: &str| {
            app.client
                .post(app.url(path))
                .bearer_auth(&key)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("idempotency-key", idempotency.to_owned())
                .body(body.to_owned())
                .send()
        };
        let created = post("/sandbox/stripe/v1/payment_intents", "amount=1000&currency=usd", "create-euro").await.unwrap();
        assert_eq!(created.status(), 200);
        let intent: serde_json::Value = created.json().await.unwrap();
        let confirm = format!("/sandbox/stripe/v1/payment_intents/{}/confirm", intent["id"].as_str().unwrap());
        let body = "payment_method_data%5Btype%5D=card&payment_method_data%5Bcard%5D%5Bnumber%5D=%E2%82%AC%E2%82%AC";
        // Once a panic (byte slicing) that left the key claimed: every retry then answered 409.
        for _ in 0..2 {
            let answer = post(&confirm, body, "confirm-euro").await.unwrap();
            assert_eq!(answer.status(), 402);
            let refusal: serde_json::Value = answer.json().await.unwrap();
            assert_eq!(refusal["error"]["code"], "incorrect_number");
        }
        // The intent is untouched and still payable.
        let card = "payment_method_data%5Btype%5D=card&payment_method_data%5Bcard%5D%5Bnumber%5D=4242424242424242";
        let paid: serde_json::Value = post(&confirm, card, "confirm-real").await.unwrap().json().await.unwrap();
        assert_eq!(paid["status"], "succeeded");
    }
}
