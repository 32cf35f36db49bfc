//! The back office on both backends: every admin route refused to guests and shoppers (walked from
//! `admin::Route::ALL`, so a new route cannot be left out), and the changes staff make — fulfil, cancel,
//! refund, stock edits, reconciliation — each through its one service, with its audit entry.

use sea_orm::EntityTrait;
use storefront::server::admin::Route;
use storefront::server::services::{accounts, inventory};

use crate::backend_tests;
use crate::fixtures::ProductBuilder;
use crate::orders::{order_one, scalar, stock_of};
use crate::payments::{order_status, wait_for_status};
use crate::shopper::{Shopper, location, mails_to};

const PASSWORD: &str = "correct horse battery staple";

/// A signed-in account with the admin role.
async fn admin(app: &crate::helpers::TestApp) -> Shopper<'_> {
    let admin = Shopper::registered(app, "Grace Admin", "grace@example.com", PASSWORD).await;
    accounts::make_admin(&app.db, "grace@example.com").await.expect("promoted");
    admin
}

/// The objects a walk over every route names in its paths.
struct Objects {
    order_id: i32,
    sku: String,
    product_id: i32,
    option_id: i32,
    variant_id: i32,
    image_id: i32,
    promo_id: i32,
}

/// `route`'s path for the walk's objects.
fn path_of(route: Route, o: &Objects) -> String {
    route
        .path()
        .replace("{id}", &o.order_id.to_string())
        .replace("{sku}", &o.sku)
        .replace("{product}", &o.product_id.to_string())
        .replace("{option}", &o.option_id.to_string())
        .replace("{variant}", &o.variant_id.to_string())
        .replace("{image}", &o.image_id.to_string())
        .replace("{promo}", &o.promo_id.to_string())
}

/// A product with an option and a picture (rows as the back office would write them), an order and a
/// promo code.
async fn walk_objects(app: &crate::helpers::TestApp) -> Objects {
    use sea_orm::{ActiveModelTrait, Set};
    use storefront::server::entities::{product, product_image, product_option};
    let built = ProductBuilder::new("Guard Tee").variant("GUARD-TEE", 2500).stock(5).insert(&app.db).await;
    let (variant_id, sku) = built.first();
    let product_id = product::Entity::find().all(&app.db).await.unwrap()[0].id;
    let option_id = product_option::ActiveModel {
        product_id: Set(product_id),
        name: Set("Size".into()),
        position: Set(0),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id;
    let image = product_image::ActiveModel {
        product_id: Set(product_id),
        option_value_id: Set(None),
        url: Set("/images/tshirt/224466/front.svg".into()),
        alt: Set("Guard Tee".into()),
        width: Set(800),
        height: Set(800),
        position: Set(0),
        ..Default::default()
    };
    let image_id = image.insert(&app.db).await.unwrap().id;
    let order_id = order_one(&app.db, &sku, "guarded").await.order_id;
    let promo = storefront::server::services::promos::NewPromo {
        code: "GUARD10".into(),
        percent: Some(10),
        ..Default::default()
    };
    let actor = storefront::server::services::audit::Actor::command_line();
    let promo_id = storefront::server::services::promos::create(&app.db, &actor, &promo).await.expect("created").id;
    Objects { order_id, sku, product_id, option_id, variant_id, image_id, promo_id }
}

/// A form that each change would accept.
const FORM: [(&str, &str); 5] =
    [("tracking_number", "1Z999AA1"), ("reason", "received"), ("quantity", "2"), ("mode", "adjust"), ("x", "")];

async fn audit_rows(db: &sea_orm::DatabaseConnection) -> i64 {
    scalar(db, "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log").await
}

/// An order of one unit of `sku`, paid on the sandbox's hosted page.
async fn paid_order(app: &crate::helpers::TestApp, sku: &str, key: &str) -> i32 {
    let placed = order_one(&app.db, sku, key).await;
    let page = app.payment_page(&placed.token).await;
    assert_eq!(app.pay_on(&page, "4242424242424242").await.status(), 303);
    wait_for_status(&app.db, placed.order_id, ("paid", "succeeded")).await;
    placed.order_id
}

backend_tests! {
    async fn every_admin_route_is_the_shops_404_to_guests_and_shoppers_and_open_to_admins(app: TestApp) {
        let objects = walk_objects(&app).await;
        let (order_id, variant_id) = (objects.order_id, objects.variant_id);
        let audited = audit_rows(&app.db).await;
        let guest = Shopper::new(&app);
        let shopper = Shopper::registered(&app, "Sam Shopper", "sam@example.com", PASSWORD).await;
        for route in Route::ALL {
            let path = path_of(route, &objects);
            for (who, browser) in [("guest", &guest), ("shopper", &shopper)] {
                let response = if route.method() == axum::http::Method::GET {
                    browser.get(&path).await
                } else {
                    browser.submit(&path, &FORM).await
                };
                assert_eq!(response.status(), 404, "{route:?} ({path}) as a {who}");
                let body = response.text().await.unwrap();
                assert!(!body.contains("Back office"), "{route:?} as a {who} says nothing of a back office");
            }
        }
        assert_eq!(order_status(&app.db, order_id).await, ("pending_payment".into(), "unpaid".into()));
        assert_eq!(stock_of(&app.db, variant_id).await, 4, "no stock edit went through");
        assert_eq!(audit_rows(&app.db).await, audited, "no change audited");
        let live = "SELECT CAST(COUNT(*) AS BIGINT) FROM promo_codes WHERE expires_at IS NULL AND active = TRUE";
        assert_eq!(scalar(&app.db, live).await, 1, "the promo code neither ended nor paused");
        let pictures = "SELECT CAST(COUNT(*) AS BIGINT) FROM product_images";
        assert_eq!(scalar(&app.db, pictures).await, 1, "no picture removed");

        // A signed-in shopper made admin afterwards is let in, on every route.
        let admin = admin(&app).await;
        for route in Route::ALL {
            let path = path_of(route, &objects);
            if route.method() == axum::http::Method::GET {
                let (status, body) = admin.page(&path).await;
                assert_eq!(status, 200, "{route:?} ({path})");
                assert!(body.contains("Back office"), "{route:?}");
            } else {
                let status = admin.submit(&path, &FORM).await.status().as_u16();
                assert!([303, 409, 422].contains(&status), "{route:?} ({path}) answered {status}");
            }
        }
        // A change posted from another site is refused, even with the admin's cookie.
        let cross_site = app.client.post(app.url(&path_of(Route::EditStock, &objects)))
            .header("cookie", admin.cookie_header())
            .header("sec-fetch-site", "cross-site")
            .form(&FORM)
            .send()
            .await
            .unwrap();
        assert_eq!(cross_site.status(), 403);
    }

    async fn a_paid_order_is_shipped_once_with_its_mail_then_refunded_through_the_provider(app: TestApp) {
        let (variant_id, sku) = ProductBuilder::new("Ship Mug").variant("SHIP-MUG", 1800).stock(3).insert(&app.db).await.first();
        let order_id = paid_order(&app, &sku, "ship-me").await;
        let admin = admin(&app).await;
        let fulfil = format!("/admin/orders/{order_id}/fulfil");

        let refused = admin.submit(&fulfil, &[("tracking_number", "  ")]).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("Enter the carrier"), "says what is missing");
        assert_eq!(order_status(&app.db, order_id).await.0, "paid", "a refusal changes nothing");

        // A refund under way (staff asked, the provider has not answered): not shipped.
        let payment = |to: &str| format!("UPDATE orders SET payment_status = '{to}' WHERE id = {order_id}");
        sea_orm::ConnectionTrait::execute_unprepared(&app.db, &payment("refunding")).await.unwrap();
        assert_eq!(admin.submit(&fulfil, &[("tracking_number", "1Z999")]).await.status(), 409);
        sea_orm::ConnectionTrait::execute_unprepared(&app.db, &payment("succeeded")).await.unwrap();

        let shipped = admin.submit(&fulfil, &[("tracking_number", " 1Z 999-AA1 ")]).await;
        assert_eq!(shipped.status(), 303);
        assert_eq!(location(&shipped), format!("/admin/orders/{order_id}?done=fulfilled"));
        assert_eq!(order_status(&app.db, order_id).await, ("fulfilled".into(), "succeeded".into()));
        let tracking = scalar(&app.db, &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE id = {order_id} AND tracking_number = '1Z 999-AA1' AND fulfilled_at IS NOT NULL")).await;
        assert_eq!(tracking, 1);
        assert_eq!(mails_to(&app.db, "shopper@example.com", "order_shipped").await, 1);
        let again = admin.submit(&fulfil, &[("tracking_number", "1Z999")]).await;
        assert_eq!(again.status(), 409, "shipped once");
        assert_eq!(mails_to(&app.db, "shopper@example.com", "order_shipped").await, 1);

        let token = storefront::server::entities::order::Entity::find_by_id(order_id).one(&app.db).await.unwrap().unwrap().token;
        let (_, shopper_page) = Shopper::new(&app).page(&format!("/orders/{token}")).await;
        assert!(shopper_page.contains("has shipped") && shopper_page.contains("Tracking number: 1Z 999-AA1."), "the shopper's order page");
        let (status, page) = admin.page(&format!("/admin/orders/{order_id}?done=fulfilled")).await;
        assert_eq!(status, 200);
        assert!(page.contains("Marked as shipped."), "the change is confirmed");
        assert!(page.contains("Shipped, tracking number 1Z 999-AA1"), "the timeline");
        assert!(page.contains("Mail queued: “Your"), "the mails in the timeline");
        assert!(page.contains("grace@example.com") && page.contains("Fulfilled"), "the audit entry");
        assert!(page.contains("in full</button>"), "a shipped order can be refunded");

        let refunded = admin.submit(&format!("/admin/orders/{order_id}/refund"), &[("reason", "arrived broken")]).await;
        assert_eq!(refunded.status(), 303);
        assert_eq!(order_status(&app.db, order_id).await, ("refunded".into(), "refunded".into()));
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM sandbox_objects WHERE kind = 'refund'").await, 1);
        assert_eq!(stock_of(&app.db, variant_id).await, 2, "a refund leaves the stock as it is");
        let twice = admin.submit(&format!("/admin/orders/{order_id}/refund"), &[("reason", "")]).await;
        assert_eq!(twice.status(), 409);
        assert_eq!(audit_rows(&app.db).await, 2, "fulfilled, refunded");
    }

    async fn cancelling_returns_the_stock_and_a_paid_orders_money(app: TestApp) {
        let (variant_id, sku) = ProductBuilder::new("Cancel Cap").variant("CANCEL-CAP", 2000).stock(4).insert(&app.db).await.first();
        let admin = admin(&app).await;
        // Awaiting payment on the provider's page: the page is closed, then the order cancelled.
        let awaiting = order_one(&app.db, &sku, "cancel-awaiting").await;
        let page = app.payment_page(&awaiting.token).await;
        let paid = paid_order(&app, &sku, "cancel-paid").await;
        assert_eq!(stock_of(&app.db, variant_id).await, 2);

        let cancelled = admin.submit(&format!("/admin/orders/{}/cancel", awaiting.order_id), &[("reason", "customer called")]).await;
        assert_eq!(location(&cancelled), format!("/admin/orders/{}?done=cancelled", awaiting.order_id));
        assert_eq!(order_status(&app.db, awaiting.order_id).await.0, "cancelled");
        assert_eq!(app.pay_on(&page, "4242424242424242").await.status(), 410, "its payment page was closed first");
        assert_eq!(stock_of(&app.db, variant_id).await, 3);

        let cancelled = admin.submit(&format!("/admin/orders/{paid}/cancel"), &[("reason", "")]).await;
        assert_eq!(cancelled.status(), 303);
        assert_eq!(order_status(&app.db, paid).await, ("refunded".into(), "refunded".into()), "cancelled, its payment refunded");
        assert_eq!(stock_of(&app.db, variant_id).await, 4, "both orders' units are back");
        assert_eq!(inventory::ledger_sum(&app.db, variant_id).await.unwrap(), 4);
        let note = scalar(&app.db, &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE id = {paid} AND note = 'Cancelled by the shop.'")).await;
        assert_eq!(note, 1, "the refund did not replace the cancellation's note");
        for order_id in [awaiting.order_id, paid] {
            let again = admin.submit(&format!("/admin/orders/{order_id}/cancel"), &[("reason", "")]).await;
            assert_eq!(again.status(), 409, "order {order_id} cancelled once");
        }
        assert_eq!(stock_of(&app.db, variant_id).await, 4);
        let refused = admin.submit(&format!("/admin/orders/{paid}/cancel"), &[("reason", &"x".repeat(501))]).await;
        assert_eq!(refused.status(), 422);
        assert_eq!(admin.submit("/admin/orders/abc/cancel", &[]).await.status(), 404);
        assert_eq!(admin.submit("/admin/orders/999999/cancel", &[]).await.status(), 404);
    }

    async fn stock_edits_write_the_ledger_and_the_audit_and_refuse_bad_input(app: TestApp) {
        let (variant_id, sku) = ProductBuilder::new("Count Sock").variant("COUNT-SOCK", 900).stock(5).insert(&app.db).await.first();
        let admin = admin(&app).await;
        let edit = format!("/admin/inventory/{sku}/stock");
        let saved = admin.submit(&edit, &[("mode", "adjust"), ("quantity", "12"), ("reason", "received")]).await;
        assert_eq!(location(&saved), format!("/admin/inventory/{sku}?done=stock"));
        assert_eq!(stock_of(&app.db, variant_id).await, 17);
        let counted = admin.submit(&edit, &[("mode", "set"), ("quantity", "3"), ("reason", "count_correction")]).await;
        assert_eq!(counted.status(), 303);
        assert_eq!(stock_of(&app.db, variant_id).await, 3);

        for (form, says) in [
            (vec![("mode", "adjust"), ("quantity", "-4"), ("reason", "damaged")], "Only 3 on hand"),
            (vec![("mode", "adjust"), ("quantity", "lots"), ("reason", "damaged")], "whole number"),
            (vec![("mode", "set"), ("quantity", "2"), ("reason", "because")], "Pick a reason"),
            (vec![("mode", "swap"), ("quantity", "2"), ("reason", "lost")], "Choose to add"),
            (vec![("mode", "set"), ("quantity", "5000000"), ("reason", "received")], "cannot be more"),
        ] {
            let refused = admin.submit(&edit, &form).await;
            assert_eq!(refused.status(), 422, "{form:?}");
            assert!(refused.text().await.unwrap().contains(says), "{form:?} says {says}");
        }
        assert_eq!(admin.submit("/admin/inventory/NO-SUCH-SKU/stock", &[("mode", "set"), ("quantity", "1"), ("reason", "received")]).await.status(), 404);
        assert_eq!(stock_of(&app.db, variant_id).await, 3, "refusals change nothing");
        assert_eq!(inventory::ledger_sum(&app.db, variant_id).await.unwrap(), 3);
        assert_eq!(audit_rows(&app.db).await, 2);

        let (status, page) = admin.page(&format!("/admin/inventory/{sku}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("count_correction") && page.contains("+12") && page.contains("-14"), "the ledger");
        assert!(page.contains("Stock changed"), "the audit entries");
        let (_, low) = admin.page("/admin/inventory").await;
        assert!(low.contains(&sku), "3 on hand is low stock");
        let (_, low) = admin.page("/admin/inventory?below=2").await;
        assert!(!low.contains(&sku));
        assert_eq!(admin.page("/admin/inventory?below=many").await.0, 422);
        let found = admin.get(&format!("/admin/inventory?sku={sku}")).await;
        assert_eq!(location(&found), format!("/admin/inventory/{sku}"));
    }

    async fn the_order_list_filters_by_status_date_email_and_sku_and_pages(app: TestApp) {
        let built = ProductBuilder::new("List Tee").variant("LIST-A", 1000).stock(40).variant("LIST-B", 1000).stock(40).insert(&app.db).await;
        let (a, b) = (built.variants[0].1.clone(), built.variants[1].1.clone());
        let mut ids = Vec::new();
        for n in 0..27 {
            ids.push(order_one(&app.db, if n == 0 { &b } else { &a }, &format!("list-{n}")).await.order_id);
        }
        let admin = admin(&app).await;
        let (_, all) = admin.page("/admin/orders").await;
        assert!(all.contains("27 orders") && all.contains("Page 1 of 2") && all.contains("Next page"), "25 a page");
        let (_, second) = admin.page("/admin/orders?page=2").await;
        assert!(second.contains(&format!("#{}<", ids[0])) && !second.contains("Next page"));
        let (_, by_sku) = admin.page("/admin/orders?sku=LIST-B").await;
        assert!(by_sku.contains("1 orders") && by_sku.contains(&format!("#{}<", ids[0])));
        let (_, paid) = admin.page("/admin/orders?status=paid").await;
        assert!(paid.contains("0 orders") && paid.contains("No orders match"));
        let today = chrono::Utc::now().date_naive();
        let (_, dated) = admin.page(&format!("/admin/orders?from={today}&to={today}&email=SHOPPER@")).await;
        assert!(dated.contains("27 orders"), "today's, by part of the address in any case");
        let (_, literal) = admin.page("/admin/orders?email=shopp_r%25").await;
        assert!(literal.contains("0 orders"), "_ and % are letters to look for, not wildcards");
        let (_, yesterday) = admin.page(&format!("/admin/orders?to={}", today.pred_opt().unwrap())).await;
        assert!(yesterday.contains("0 orders"));
        for bad in ["from=12/01/2026", "status=shipped", "page=0"] {
            let (status, body) = admin.page(&format!("/admin/orders?{bad}")).await;
            assert_eq!(status, 422, "{bad}");
            assert!(body.contains("role=\"alert\""), "{bad} says why");
        }
    }

    async fn the_reconcile_page_shows_drift_and_corrects_the_ledger(app: TestApp) {
        let (variant_id, sku) = ProductBuilder::new("Drift Mug").variant("DRIFT-MUG", 1500).stock(6).insert(&app.db).await.first();
        let admin = admin(&app).await;
        let (_, clean) = admin.page("/admin/reconcile").await;
        assert!(clean.contains("agree with their ledger") && !clean.contains("Correct the ledger"));
        let corrupt = format!("UPDATE variants SET stock = 9 WHERE id = {variant_id}");
        sea_orm::ConnectionTrait::execute_unprepared(&app.db, &corrupt).await.unwrap();
        let (_, drift) = admin.page("/admin/reconcile").await;
        assert!(drift.contains(&sku) && drift.contains("Correct the ledger"), "{drift}");
        let applied = admin.submit("/admin/reconcile/apply", &[]).await;
        assert_eq!(location(&applied), "/admin/reconcile?done=reconciled");
        assert_eq!(inventory::ledger_sum(&app.db, variant_id).await.unwrap(), 9);
        let (_, after) = admin.page("/admin/reconcile?done=reconciled").await;
        assert!(after.contains("Ledger corrected.") && after.contains("agree with their ledger"));
        assert_eq!(audit_rows(&app.db).await, 1);
    }
}
