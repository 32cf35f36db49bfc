//! Payments on both backends: the hosted payment page and the end of a hold, signed webhooks
//! (signatures, duplicates, any order of events, unknown types), and a payment that arrives after the
//! hold ran out, settled once.

use serde_json::json;
use storefront::server::services::inventory;
use storefront::server::services::payments;

use crate::backend_tests;
use crate::fixtures::ProductBuilder;
use crate::orders::{order_one, scalar, stock_of};

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

    /// "Pay" posted by a script (JSON errors, no redirect).
    pub async fn start_payment(&self, token: &str) -> reqwest::Response {
        self.client.post(self.url("/api/order/pay")).form(&[("token", token)]).send().await.unwrap()
    }

    /// "Pay" on the order's page, posted by a browser: the address of the provider's page it is sent to.
    pub async fn payment_page(&self, token: &str) -> String {
        let request = self.client.post(self.url("/api/order/pay")).header("accept", "text/html");
        let started = request.form(&[("token", token)]).send().await.unwrap();
        assert_eq!(started.status(), 302, "Pay redirects to the provider's page");
        let page = started.headers()["location"].to_str().unwrap().to_owned();
        assert!(page.starts_with(&self.url("/sandbox/stripe/pay/cs_test_")), "{page}");
        page
    }

    /// The hosted page's card form, posted.
    pub async fn pay_on(&self, page: &str, number: &str) -> reqwest::Response {
        let form = [("number", number), ("expiry", "12/40"), ("cvc", "123")];
        self.client.post(page).form(&form).send().await.unwrap()
    }

    /// Payments through a provider nobody answers at (the refund or expiry may or may not have happened).
    pub fn unreachable_payments(&self) -> payments::Payments {
        payments::Payments {
            provider: payments::Provider::new(&storefront::server::config::PaymentSettings {
                api_base: "http://127.0.0.1:9".into(),
                secret_key: storefront::server::config::Secret::new("sk_test_sandbox"),
                webhook_secret: storefront::server::config::Secret::new("unused"),
                sandbox: false,
            }),
            ..self.state.payments.clone()
        }
    }
}

pub async fn order_status(db: &sea_orm::DatabaseConnection, order_id: i32) -> (String, String) {
    let sql = format!("SELECT status, payment_status FROM orders WHERE id = {order_id}");
    let row =
        sea_orm::ConnectionTrait::query_one_raw(db, sea_orm::Statement::from_string(db.get_database_backend(), sql));
    let row = row.await.unwrap().expect("the order");
    (row.try_get_by_index(0).unwrap(), row.try_get_by_index(1).unwrap())
}

/// Waits (up to 10 s) until the order is in `expected` (the sandbox's webhooks arrive within a second).
pub async fn wait_for_status(db: &sea_orm::DatabaseConnection, order_id: i32, expected: (&str, &str)) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut now = order_status(db, order_id).await;
    while (now.0.as_str(), now.1.as_str()) != expected && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        now = order_status(db, order_id).await;
    }
    assert_eq!((now.0.as_str(), now.1.as_str()), expected);
}

backend_tests! {
    async fn webhooks_are_verified_applied_once_and_in_any_order(app: TestApp) {
        let (_, sku) = ProductBuilder::new("Hook Mug").variant("HOOK-MUG", 1800).stock(5).insert(&app.db).await.first();
        let placed = order_one(&app.db, &sku, "hooks").await;
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
        let second = order_one(&app.db, &sku, "hooks-2").await;
        let event = intent_event("evt_race", "payment_intent.succeeded", "pi_test_2", total, second.order_id);
        let secret = app.secret();
        let deliveries = (0..8).map(|_| app.webhook(&event, &secret, 0));
        let answers = futures::future::join_all(deliveries).await;
        assert!(answers.iter().all(|r| r.status() == 200));
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox").await, 2);
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_events WHERE id = 'evt_race'").await, 1);
    }

    async fn a_payment_after_the_hold_ran_out_is_revived_when_stock_remains_and_refunded_otherwise(app: TestApp) {
        let (variant_id, sku) = ProductBuilder::new("Late Mug").variant("LATE-MUG", 1800).stock(3).insert(&app.db).await.first();
        // Past the hold and the grace for an unreachable provider.
        let later = chrono::Utc::now() + chrono::Duration::minutes(15) + payments::PROVIDER_GRACE + chrono::Duration::minutes(1);

        // Both shoppers open the payment page; the provider cannot be reached when their holds run out,
        // so after the grace the orders are cancelled with their pages still open; then both pay there.
        let mut placed = Vec::new();
        for key in ["late-1", "late-2"] {
            let order = order_one(&app.db, &sku, key).await;
            let page = app.payment_page(&order.token).await;
            placed.push((order, page));
        }
        assert_eq!(payments::expire_holds(&app.db, &app.unreachable_payments(), later).await.unwrap(), 2);
        assert_eq!(stock_of(&app.db, variant_id).await, 3);
        for (order, page) in &placed {
            assert_eq!(app.pay_on(page, "4242424242424242").await.status(), 303);
            wait_for_status(&app.db, order.order_id, ("cancelled", "succeeded")).await;
        }
        // Only one unit is left for the two of them.
        inventory::set_stock(&app.db, &sku, 1, "test").await.unwrap();

        // Two nodes sweep at once: one revives, one refunds, nothing twice.
        let (a, b) = tokio::join!(payments::sweep(&app.db, &app.state.payments), payments::sweep(&app.db, &app.state.payments));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!((a.0 + b.0, a.1 + b.1), (1, 1), "{a:?} {b:?}");
        assert_eq!(order_status(&app.db, placed[0].0.order_id).await, ("paid".into(), "succeeded".into()));
        assert_eq!(order_status(&app.db, placed[1].0.order_id).await, ("refunded".into(), "refunded".into()));
        assert_eq!(stock_of(&app.db, variant_id).await, 0);
        let ledger = inventory::ledger_sum(&app.db, variant_id).await.unwrap();
        assert_eq!(ledger, 0, "stock equals its ledger");
        let note = scalar(&app.db, &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE id = {} AND note LIKE 'Refunded automatically%'", placed[1].0.order_id)).await;
        assert_eq!(note, 1, "the reason is recorded");
        // Nothing left to settle: a second sweep does nothing.
        assert_eq!(payments::sweep(&app.db, &app.state.payments).await.unwrap(), (0, 0));
    }

    async fn the_end_of_a_hold_closes_the_payment_page_first_and_never_cancels_a_paid_order(app: TestApp) {
        let (variant_id, sku) = ProductBuilder::new("Slow Mug").variant("SLOW-MUG", 1800).stock(4).insert(&app.db).await.first();
        let later = chrono::Utc::now() + chrono::Duration::minutes(16);
        let mut open = Vec::new();
        for key in ["slow-payer", "just-in-time"] {
            let order = order_one(&app.db, &sku, key).await;
            let page = app.payment_page(&order.token).await;
            open.push((order, page));
        }
        // The second shopper paid at the last moment; the store has not heard yet (no webhook, no return).
        let (just_in_time, paid_page) = &open[1];
        assert_eq!(app.pay_on(paid_page, "4242424242424242").await.status(), 303);

        // An unreachable provider within the grace: nothing is cancelled yet, the stock stays held.
        assert_eq!(payments::expire_holds(&app.db, &app.unreachable_payments(), later).await.unwrap(), 0);
        assert_eq!(stock_of(&app.db, variant_id).await, 2);

        // The hold expires: the open page is closed at the provider, then its order cancelled; the paid
        // one is confirmed, not cancelled (whichever of expiry and the webhook tells it first).
        assert_eq!(payments::expire_holds(&app.db, &app.state.payments, later).await.unwrap(), 1);
        let (slow, slow_page) = &open[0];
        assert_eq!(order_status(&app.db, slow.order_id).await, ("cancelled".into(), "open".into()));
        assert_eq!(order_status(&app.db, just_in_time.order_id).await, ("paid".into(), "succeeded".into()));
        assert_eq!(stock_of(&app.db, variant_id).await, 3, "only the cancelled order's unit came back");
        assert_eq!(inventory::ledger_sum(&app.db, variant_id).await.unwrap(), 3);

        // The slow shopper's page is closed: paying there charges nothing and changes nothing.
        let refused = app.pay_on(slow_page, "4242424242424242").await;
        assert_eq!(refused.status(), 410);
        assert!(refused.text().await.unwrap().contains("You were not charged"));
        let paid_intents = "SELECT CAST(COUNT(*) AS BIGINT) FROM sandbox_objects WHERE kind = 'payment_intent'";
        assert_eq!(scalar(&app.db, paid_intents).await, 1, "one charge at the provider, for the paid order");
        // And "Pay" on the cancelled order says the time ran out.
        let again = app.start_payment(&slow.token).await;
        assert_eq!(again.status(), 409);
        assert_eq!(order_status(&app.db, slow.order_id).await, ("cancelled".into(), "open".into()));
    }

    async fn a_refund_that_fails_is_retried_and_its_order_is_never_revived(app: TestApp) {
        let (variant_id, sku) = ProductBuilder::new("Refund Mug").variant("REFUND-MUG", 1800).stock(1).insert(&app.db).await.first();
        let placed = order_one(&app.db, &sku, "late-refund").await;
        let page = app.payment_page(&placed.token).await;
        let later = chrono::Utc::now() + chrono::Duration::minutes(15) + payments::PROVIDER_GRACE + chrono::Duration::minutes(1);
        assert_eq!(payments::expire_holds(&app.db, &app.unreachable_payments(), later).await.unwrap(), 1);
        assert_eq!(app.pay_on(&page, "4242424242424242").await.status(), 303);
        wait_for_status(&app.db, placed.order_id, ("cancelled", "succeeded")).await;
        inventory::set_stock(&app.db, &sku, 0, "test").await.unwrap();
        let mails = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox WHERE order_id = {}", placed.order_id);
        let mails_before = scalar(&app.db, &mails).await;

        // The provider cannot be reached while refunding (the refund may or may not have happened).
        assert_eq!(payments::sweep(&app.db, &app.unreachable_payments()).await.unwrap(), (0, 0));
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

    async fn the_hosted_page_refuses_bad_cards_clearly_and_charges_once(app: TestApp) {
        let (_, sku) = ProductBuilder::new("Hosted Mug").variant("HOSTED-MUG", 1800).stock(5).insert(&app.db).await.first();
        let placed = order_one(&app.db, &sku, "hosted").await;
        let page = app.payment_page(&placed.token).await;
        assert_eq!(app.payment_page(&placed.token).await, page, "a double click opens the same page");
        let shown = app.client.get(&page).send().await.unwrap();
        assert_eq!(shown.status(), 200);
        assert!(shown.text().await.unwrap().contains("<label for=\"card-number\">Card number</label>"));

        // Once a panic (byte slicing); now a field message, whatever the text.
        for bad in ["€€", "4242€", "", "1234"] {
            let refused = app.pay_on(&page, bad).await;
            assert_eq!(refused.status(), 422, "{bad:?}");
            assert!(refused.text().await.unwrap().contains("Your card number is incorrect."));
        }
        let declined = app.pay_on(&page, "4000 0000 0000 0002").await;
        assert_eq!(declined.status(), 402);
        assert!(declined.text().await.unwrap().contains("Your card was declined."));
        assert_eq!(order_status(&app.db, placed.order_id).await, ("pending_payment".into(), "open".into()));

        // Paid twice (a double submit): one charge, and both go back to the order.
        let (a, b) = tokio::join!(app.pay_on(&page, "4242 4242 4242 4242"), app.pay_on(&page, "4242 4242 4242 4242"));
        let back = app.url(&format!("/orders/{}", placed.token));
        for answer in [a, b] {
            assert_eq!(answer.status(), 303);
            assert_eq!(answer.headers()["location"], back.as_str());
        }
        let intents = "SELECT CAST(COUNT(*) AS BIGINT) FROM sandbox_objects WHERE kind = 'payment_intent'";
        assert_eq!(scalar(&app.db, intents).await, 1);
        // The shopper's return settles the order even before the webhook.
        let confirmed = app.page(&format!("/orders/{}", placed.token)).await.1;
        assert!(confirmed.contains("Your order is confirmed"), "{confirmed}");
        wait_for_status(&app.db, placed.order_id, ("paid", "succeeded")).await;
    }
}
