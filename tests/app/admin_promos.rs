//! Promo codes in the back office on both backends: an admin creates a code, a shopper's order uses it
//! and shows on the code's page, the terms change (a limit, a pause, an end date) and checkout follows
//! them, "End now" ends it, every refusal says why and changes nothing, and each change is audited.

use storefront::server::services::checkout;
use storefront::server::services::orders::{Checkout, place_order};

use crate::backend_tests;
use crate::fixtures::ProductBuilder;
use crate::orders::{cart_with, checkout as order_form, rules, scalar};
use crate::shopper::{Shopper, location};

const PASSWORD: &str = "correct horse battery staple";

async fn count(db: &sea_orm::DatabaseConnection, table: &str) -> i64 {
    scalar(db, &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}")).await
}

/// The new-code form with `changes` over a valid one (SPRING-15, 15 % off, from $20, two uses).
fn new_code<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form =
        vec![("code", "spring-15"), ("kind", "percent"), ("value", "15"), ("min", "20"), ("ends", ""), ("limit", "2")];
    for (name, value) in changes {
        form.retain(|(n, _)| n != name);
        form.push((name, value));
    }
    form
}

/// Why `code` does not apply to a new cart of `sku`, if it does not.
async fn refused_at_checkout(db: &sea_orm::DatabaseConnection, sku: &str, code: &str) -> Option<String> {
    let cart_id = cart_with(db, sku, 2).await;
    checkout::apply_promo(db, cart_id, code).await.err().map(|e| e.to_string())
}

backend_tests! {
    async fn an_admin_creates_a_promo_code_sees_its_uses_changes_its_terms_and_ends_it(app: TestApp) {
        let sku = ProductBuilder::new("Promo Tee").variant("PROMO-TEE", 2500).stock(20).insert(&app.db).await.first().1;
        let admin = Shopper::registered(&app, "Grace Admin", "grace@example.com", PASSWORD).await;
        storefront::server::services::accounts::make_admin(&app.db, "grace@example.com").await.expect("promoted");

        let created = admin.submit("/admin/promos", &new_code(&[])).await;
        assert_eq!(created.status(), 303);
        let id = scalar(&app.db, "SELECT CAST(MAX(id) AS BIGINT) FROM promo_codes WHERE code = 'SPRING-15'").await;
        assert_eq!(location(&created), format!("/admin/promos/{id}?done=promo-created"));
        let saved = "SELECT CAST(COUNT(*) AS BIGINT) FROM promo_codes WHERE kind = 'percent' AND value = 15 \
                     AND min_subtotal = 2000 AND usage_limit = 2 AND used_count = 0 AND active = TRUE AND expires_at IS NULL";
        assert_eq!(scalar(&app.db, saved).await, 1);

        // Each refusal: 422 with the reason, the form kept, no code and no audit entry written.
        for (changes, says) in [
            (vec![], "SPRING-15 already exists."),
            (vec![("code", "ab")], "3 to 40 letters"),
            (vec![("code", "two words")], "3 to 40 letters"),
            (vec![("value", "0")], "percent off (1 to 100)"),
            (vec![("value", "101")], "percent off (1 to 100)"),
            (vec![("kind", "fixed"), ("value", "-5")], "amount off above 0"),
            (vec![("kind", "bogo")], "percent off or amount off"),
            (vec![("min", "lots")], "Minimum subtotal"),
            (vec![("ends", "next week")], "End date"),
            (vec![("limit", "0")], "Usage limit"),
        ] {
            let response = admin.submit("/admin/promos", &new_code(&changes)).await;
            assert_eq!(response.status(), 422, "{changes:?}");
            let body = response.text().await.unwrap();
            assert!(body.contains(says), "{changes:?} says {says:?}");
        }
        assert_eq!(count(&app.db, "promo_codes").await, 1);
        assert_eq!(count(&app.db, "audit_log").await, 1, "only the creation");

        let page = format!("/admin/promos/{id}");
        let (status, body) = admin.page(&format!("{page}?done=promo-created")).await;
        assert_eq!(status, 200);
        for says in ["Promo code created.", "15% off", "Live", "0 of 2", "Promo code created</td>", "grace@example.com"] {
            assert!(body.contains(says), "the code's page says {says:?}");
        }
        let (_, list) = admin.page("/admin/promos").await;
        assert!(list.contains("SPRING-15") && list.contains(&format!("href=\"/admin/promos/{id}\"")));

        // Two shoppers' orders with it (typed in lower case) show on the code's page; then it is used up.
        let mut orders = Vec::new();
        for key in ["promo-admin-1", "promo-admin-2"] {
            let cart_id = cart_with(&app.db, &sku, 2).await;
            let form = Checkout { promo_code: "spring-15".into(), ..order_form(key) };
            orders.push(place_order(&app.db, cart_id, &form, &rules()).await.expect("placed with the code").order_id);
        }
        let (_, body) = admin.page(&page).await;
        for order_id in &orders {
            assert!(body.contains(&format!("href=\"/admin/orders/{order_id}\"")), "order {order_id} is listed");
        }
        assert!(body.contains("2 of 2") && body.contains("Used up") && body.contains("$7.50"), "its uses and discount");
        assert_eq!(refused_at_checkout(&app.db, &sku, "SPRING-15").await.as_deref(), Some("SPRING-15 has been used up."));

        // Terms: a limit below the uses counted is refused (the form kept); a higher one makes it usable.
        let terms = |limit: &'static str, active: bool| {
            let mut form = vec![("min", "20.00"), ("ends", ""), ("limit", limit)];
            if active {
                form.push(("active", "on"));
            }
            form
        };
        let below = admin.submit(&page, &terms("1", true)).await;
        assert_eq!(below.status(), 422);
        let body = below.text().await.unwrap();
        assert!(body.contains("2 orders have used this code") && body.contains("value=\"1\""), "says why, keeps the form");
        assert_eq!(admin.submit(&page, &terms("3", true)).await.status(), 303);
        assert_eq!(refused_at_checkout(&app.db, &sku, "SPRING-15").await, None);
        let (_, body) = admin.page(&page).await;
        assert!(body.contains("2 of 3") && body.contains("Terms changed"));

        // Paused: refused at checkout like an unknown code; live again: it applies.
        assert_eq!(admin.submit(&page, &terms("", false)).await.status(), 303);
        assert_eq!(refused_at_checkout(&app.db, &sku, "SPRING-15").await.as_deref(), Some("SPRING-15 is not a valid code."));
        assert_eq!(admin.submit(&page, &terms("", true)).await.status(), 303);
        assert_eq!(refused_at_checkout(&app.db, &sku, "SPRING-15").await, None);
        let audited = count(&app.db, "audit_log").await;
        assert_eq!(admin.submit(&page, &terms("", true)).await.status(), 303, "the same terms again");
        assert_eq!(count(&app.db, "audit_log").await, audited, "no change, no entry");

        // An end date in the past ends it; "End now" on an ended code is refused.
        let ended = admin.submit(&page, &[("min", ""), ("ends", "2020-01-01"), ("limit", ""), ("active", "on")]).await;
        assert_eq!(ended.status(), 303);
        assert_eq!(refused_at_checkout(&app.db, &sku, "SPRING-15").await.as_deref(), Some("SPRING-15 has expired."));
        let again = admin.submit(&format!("{page}/expire"), &[]).await;
        assert_eq!(again.status(), 409);
        assert!(again.text().await.unwrap().contains("has already expired"));

        // A second code ended with the button: refused at checkout from then on.
        let other = admin.submit("/admin/promos", &new_code(&[("code", "FIVER"), ("kind", "fixed"), ("value", "5"), ("min", ""), ("limit", "")])).await;
        assert_eq!(other.status(), 303);
        let fiver = scalar(&app.db, "SELECT CAST(id AS BIGINT) FROM promo_codes WHERE code = 'FIVER'").await;
        assert_eq!(refused_at_checkout(&app.db, &sku, "fiver").await, None);
        let ended_now = admin.submit(&format!("/admin/promos/{fiver}/expire"), &[]).await;
        assert_eq!(location(&ended_now), format!("/admin/promos/{fiver}?done=promo-saved"));
        assert_eq!(refused_at_checkout(&app.db, &sku, "FIVER").await.as_deref(), Some("FIVER has expired."));
        let (_, body) = admin.page(&format!("/admin/promos/{fiver}")).await;
        assert!(body.contains("$5.00 off") && body.contains("Expired") && body.contains("Ended now"));
        assert!(!body.contains(">End now</button>"), "no button for an ended code");

        // Unknown or malformed ids: the back office's 404.
        for path in ["/admin/promos/999999", "/admin/promos/abc", "/admin/promos/-1"] {
            assert_eq!(admin.page(path).await.0, 404, "{path}");
        }
        assert_eq!(admin.submit("/admin/promos/999999/expire", &[]).await.status(), 404);
        assert_eq!(admin.submit("/admin/promos/abc", &terms("", true)).await.status(), 404);
    }
}
