//! Refunds by line on both backends: staff refund some units of a paid order through the provider (the
//! amount is the units' share of what was paid, the last units take the rest), optionally back on hand;
//! refusals change nothing; the order becomes refunded with its last unit; "refund the rest" after
//! refunds by line asks the provider for what is left; an unanswered refund is asked again by the sweeper.

use sea_orm::EntityTrait;
use storefront::server::entities::{order, order_line};
use storefront::server::services::audit::Actor;
use storefront::server::services::cart::{self, CartRules};
use storefront::server::services::orders::back_office::Outcome;
use storefront::server::services::orders::place_order;
use storefront::server::services::orders::refunds::{self, Units};
use storefront::server::services::pricing::{OrderAmounts, refund_for_units};
use storefront::server::services::{accounts, payments, reconcile};

use crate::backend_tests;
use crate::fixtures::ProductBuilder;
use crate::orders::{checkout, rules, scalar, stock_of};
use crate::payments::{order_status, wait_for_status};
use crate::shopper::{Shopper, location};

const PASSWORD: &str = "correct horse battery staple";

/// An order of 3 × REF-MUG ($10) and 1 × REF-CUP ($30), paid on the sandbox's page: (order, mug line, cup line).
async fn paid_order(app: &crate::helpers::TestApp, key: &str) -> (order::Model, i32, i32) {
    let (cart_id, _) = cart::create(&app.db).await.unwrap();
    cart::add(&app.db, cart_id, "REF-MUG", 3, CartRules::default()).await.unwrap();
    cart::add(&app.db, cart_id, "REF-CUP", 1, CartRules::default()).await.unwrap();
    let placed = place_order(&app.db, cart_id, &checkout(key), &rules()).await.expect("placed");
    let page = app.payment_page(&placed.token).await;
    assert_eq!(app.pay_on(&page, "4242424242424242").await.status(), 303);
    wait_for_status(&app.db, placed.order_id, ("paid", "succeeded")).await;
    let order = order::Entity::find_by_id(placed.order_id).one(&app.db).await.unwrap().unwrap();
    let line = |sku: &'static str| {
        let db = app.db.clone();
        async move {
            let sql = format!(
                "SELECT CAST(id AS BIGINT) FROM order_lines WHERE order_id = {} AND sku = '{sku}'",
                placed.order_id
            );
            scalar(&db, &sql).await as i32
        }
    };
    (order, line("REF-MUG").await, line("REF-CUP").await)
}

fn amounts(order: &order::Model) -> OrderAmounts {
    OrderAmounts { subtotal: order.subtotal, shipping: order.shipping, total: order.total }
}

async fn refunded_at_provider(db: &sea_orm::DatabaseConnection, intent: &str) -> i64 {
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM sandbox_objects WHERE kind = 'refund' AND body LIKE '%{intent}%'"
    );
    scalar(db, &sql).await
}

async fn order_row(db: &sea_orm::DatabaseConnection, id: i32) -> order::Model {
    order::Entity::find_by_id(id).one(db).await.unwrap().unwrap()
}

backend_tests! {
    async fn staff_refund_an_order_line_by_line_through_the_provider(app: TestApp) {
        let built = ProductBuilder::new("Refund Mug").variant("REF-MUG", 1000).stock(10).variant("REF-CUP", 3000).stock(5).insert(&app.db).await;
        let (mug_id, _) = built.first();
        let cup_id = scalar(&app.db, "SELECT CAST(id AS BIGINT) FROM variants WHERE sku = 'REF-CUP'").await as i32;
        let (placed, mug, cup) = paid_order(&app, "refund-lines").await;
        let intent = placed.payment_intent_id.clone().expect("paid through an intent");
        let admin = Shopper::registered(&app, "Grace Admin", "grace@example.com", PASSWORD).await;
        accounts::make_admin(&app.db, "grace@example.com").await.expect("promoted");
        let path = format!("/admin/orders/{}/refund-lines", placed.id);
        let mug_field = format!("line-{mug}");
        let cup_field = format!("line-{cup}");
        assert_eq!(stock_of(&app.db, mug_id).await, 7);

        // One broken mug, back on the shelf: its share of what was paid, through the provider.
        let first = admin.submit(&path, &[(&mug_field, "1"), (&cup_field, "0"), ("restock", "on"), ("reason", "broken handle")]).await;
        assert_eq!(first.status(), 303);
        assert_eq!(location(&first), format!("/admin/orders/{}?done=refunded-units", placed.id));
        let one_mug = refund_for_units(&amounts(&placed), 1000, 0, false);
        let after = order_row(&app.db, placed.id).await;
        assert_eq!(after.refunded_amount, one_mug);
        assert_eq!(order_status(&app.db, placed.id).await, ("paid".into(), "succeeded".into()), "still paid");
        assert_eq!(refunded_at_provider(&app.db, &intent).await, 1);
        let succeeded = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM refunds WHERE status = 'succeeded' AND amount = {one_mug} AND provider_refund_id LIKE 're_%'");
        assert_eq!(scalar(&app.db, &succeeded).await, 1);
        assert_eq!(stock_of(&app.db, mug_id).await, 8, "back on hand");
        assert_eq!(reconcile::check(&app.db).await.unwrap().drifts.len(), 0, "through the ledger");
        let (_, page) = admin.page(&format!("/admin/orders/{}?done=refunded-units", placed.id)).await;
        assert!(page.contains("Refund made"), "the change is confirmed");
        assert!(page.contains("× REF-MUG, units back on hand by grace@example.com"), "the timeline");
        assert!(page.contains("2 left to refund") && page.contains("Refunded by line"), "what is left");
        assert!(!page.contains("Cancel and refund"), "a partly refunded order is not cancelled");
        let (_, shopper_page) = Shopper::new(&app).page(&format!("/orders/{}", placed.token)).await;
        let told = format!("{} of this order has been refunded to your card.", storefront::model::money::Money::store(one_mug).format());
        assert!(shopper_page.contains(&told), "the shopper's page says what came back");

        // Refusals: each 422 (or 409) with the reason, nothing changed.
        let other = ProductBuilder::new("Other Mug").variant("REF-OTHER", 1000).stock(3).insert(&app.db).await.first().1;
        let elsewhere = crate::orders::order_one(&app.db, &other, "refund-other").await.order_id;
        let foreign = scalar(&app.db, &format!("SELECT CAST(id AS BIGINT) FROM order_lines WHERE order_id = {elsewhere}")).await;
        let foreign_field = format!("line-{foreign}");
        for (form, says) in [
            (vec![(mug_field.as_str(), "3")], "Only 2 of REF-MUG left to refund."),
            (vec![(mug_field.as_str(), "0")], "Choose how many units"),
            (vec![(mug_field.as_str(), "two")], "a whole number from 0"),
            (vec![(mug_field.as_str(), "1"), (mug_field.as_str(), "1")], "units of each item once"),
            (vec![(foreign_field.as_str(), "1")], "not on this order"),
        ] {
            let response = admin.submit(&path, &form).await;
            assert_eq!(response.status(), 422, "{form:?}");
            assert!(response.text().await.unwrap().contains(says), "{form:?} says {says:?}");
        }
        let long = "x".repeat(501);
        assert_eq!(admin.submit(&path, &[(&mug_field, "1"), ("reason", &long)]).await.status(), 422);
        assert_eq!(admin.submit(&format!("/admin/orders/{}/cancel", placed.id), &[("reason", "")]).await.status(), 409);
        assert_eq!(admin.submit(&format!("/admin/orders/{elsewhere}/refund-lines"), &[(&foreign_field, "1")]).await.status(), 409, "not paid");
        assert_eq!(order_row(&app.db, placed.id).await.refunded_amount, one_mug);
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM refunds").await, 1);
        assert_eq!(refunded_at_provider(&app.db, &intent).await, 1);

        // The provider does not answer: the refund waits, counted; the sweeper asks again with the same key.
        let actor = Actor::command_line();
        let units = [Units { line: mug, quantity: 1 }];
        let waiting = refunds::refund_units(&app.db, &app.unreachable_payments(), &actor, placed.id, &units, false, "").await;
        assert_eq!(waiting.unwrap(), Outcome::RefundPending);
        let two_mugs = one_mug + refund_for_units(&amounts(&placed), 1000, one_mug, false);
        assert_eq!(order_row(&app.db, placed.id).await.refunded_amount, two_mugs, "reserved while it waits");
        let full = admin.submit(&format!("/admin/orders/{}/refund", placed.id), &[("reason", "")]).await;
        assert_eq!(full.status(), 409, "no refund of the rest while one waits");
        let (_, page) = admin.page(&format!("/admin/orders/{}", placed.id)).await;
        assert!(!page.contains("Refund the rest"), "not offered while one waits");
        assert!(page.contains("still waiting for the payment provider"), "the page says why");
        assert_eq!(payments::sweep(&app.db, &app.state.payments).await.unwrap(), (0, 0), "not stale yet");
        backdate_attempts(&app.db).await;
        assert_eq!(payments::sweep(&app.db, &app.state.payments).await.unwrap(), (0, 1), "asked again, answered");
        assert_eq!(refunded_at_provider(&app.db, &intent).await, 2);
        assert_eq!(payments::sweep(&app.db, &app.state.payments).await.unwrap(), (0, 0), "once");

        // The last units take the rest (shipping included): the order is refunded, in total exactly.
        let last = admin.submit(&path, &[(&mug_field, "1"), (&cup_field, "1")]).await;
        assert_eq!(last.status(), 303);
        assert_eq!(order_status(&app.db, placed.id).await, ("refunded".into(), "refunded".into()));
        let sum = scalar(&app.db, &format!("SELECT CAST(SUM(amount) AS BIGINT) FROM refunds WHERE order_id = {} AND status = 'succeeded'", placed.id)).await;
        assert_eq!(sum, placed.total, "every unit refunded: the whole total");
        assert_eq!(stock_of(&app.db, cup_id).await, 4, "not restocked unless asked");
        let lines = order_line::Entity::find().all(&app.db).await.unwrap();
        assert!(lines.iter().filter(|l| l.order_id == placed.id).all(|l| l.refunded_quantity == l.quantity));
        assert_eq!(admin.submit(&path, &[(&mug_field, "1")]).await.status(), 409, "nothing left");
        let audit = "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action = 'order_refunded_units'";
        assert_eq!(scalar(&app.db, audit).await, 3);

        // Another order: one mug by line, then "Refund the rest" asks the provider for what is left.
        let (second, mug2, _) = paid_order(&app, "refund-rest").await;
        let intent2 = second.payment_intent_id.clone().unwrap();
        let by_line = format!("/admin/orders/{}/refund-lines", second.id);
        assert_eq!(admin.submit(&by_line, &[(&format!("line-{mug2}"), "1")]).await.status(), 303);
        let (_, page) = admin.page(&format!("/admin/orders/{}", second.id)).await;
        let rest = second.total - refund_for_units(&amounts(&second), 1000, 0, false);
        assert!(page.contains(&format!("Refund the rest ({})", storefront::model::money::Money::store(rest).format())), "the rest is offered");
        let refunded = admin.submit(&format!("/admin/orders/{}/refund", second.id), &[("reason", "")]).await;
        assert_eq!(refunded.status(), 303);
        assert_eq!(order_status(&app.db, second.id).await, ("refunded".into(), "refunded".into()));
        assert_eq!(refunded_at_provider(&app.db, &intent2).await, 2);
        let at_provider = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM sandbox_objects WHERE kind = 'payment_intent' AND body LIKE '%{intent2}%' AND body LIKE '%\"amount_refunded\":{}%'", second.total);
        assert_eq!(scalar(&app.db, &at_provider).await, 1, "the provider gave back the whole total, no more");
    }
}

/// Moves every refund's last attempt back past the sweeper's retry interval.
async fn backdate_attempts(db: &sea_orm::DatabaseConnection) {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, QueryFilter};
    use storefront::server::entities::refund;
    let long_ago = chrono::Utc::now() - chrono::Duration::minutes(10);
    refund::Entity::update_many()
        .col_expr(refund::Column::AttemptedAt, Expr::value(long_ago))
        .filter(refund::Column::Status.eq("pending"))
        .exec(db)
        .await
        .unwrap();
}
