//! "Email me when it is back" on both backends: guests and signed-in shoppers ask on a sold-out variant's
//! page (a plain form), each address is mailed once through the outbox when that variant's stock
//! returns (in the restock's transaction, however many restocks race), and bad asks change nothing.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use storefront::server::entities::{mail_outbox, stock_alert, user, variant};
use storefront::server::services::{inventory, stock_alerts::MAIL_KIND};

use crate::backend_tests;
use crate::fixtures::ProductBuilder;
use crate::orders::scalar;
use crate::shopper::{Shopper, location, mails_to};

const PASSWORD: &str = "correct horse battery staple";

async fn asks(db: &sea_orm::DatabaseConnection) -> Vec<stock_alert::Model> {
    stock_alert::Entity::find().all(db).await.unwrap()
}

/// The back-in-stock mails queued to `to`.
async fn mails(db: &sea_orm::DatabaseConnection, to: &str) -> Vec<mail_outbox::Model> {
    mail_outbox::Entity::find()
        .filter(mail_outbox::Column::ToAddress.eq(to))
        .filter(mail_outbox::Column::Kind.eq(MAIL_KIND))
        .all(db)
        .await
        .unwrap()
}

backend_tests! {
    async fn each_asker_is_mailed_once_when_a_sold_out_variant_returns(app: TestApp) {
        let hoodie = ProductBuilder::new("Trail Hoodie").variant("HOOD-S", 4800).stock(0).variant("HOOD-M", 5200).stock(3).insert(&app.db).await;
        let sold_out = format!("/p/{}?variant=HOOD-S", hoodie.slug);
        let guest = Shopper::new(&app);
        let (status, page) = guest.page(&sold_out).await;
        assert_eq!(status, 200);
        assert!(page.contains("Email me when it is back") && page.contains("action=\"/api/stock-alert\""), "{page}");
        let (_, in_stock) = guest.page(&format!("/p/{}?variant=HOOD-M", hoodie.slug)).await;
        assert!(!in_stock.contains("Email me when it is back"), "only a sold-out variant has the form: {in_stock}");

        // A guest asks (twice: one ask), without JavaScript: back to the variant's page, with the thanks.
        for _ in 0..2 {
            let asked = guest.submit_on(&sold_out, "/api/stock-alert", &[("sku", "HOOD-S"), ("email", "  Grace@Example.com ")]).await;
            assert_eq!(location(&asked), format!("{sold_out}&alert=1"));
        }
        let (_, thanks) = guest.page(&format!("{sold_out}&alert=1")).await;
        assert!(thanks.contains("we will email you once when it is back") && !thanks.contains("Your email"), "{thanks}");
        assert!(!guest.page(&sold_out).await.1.contains("we will email you"), "the thanks is not kept for the next visitor");

        // A signed-in shopper finds her address filled in; her ask is hers.
        let ada = Shopper::registered(&app, "Ada", "ada@example.com", PASSWORD).await;
        let (_, hers) = ada.page(&sold_out).await;
        assert!(hers.contains("value=\"ada@example.com\""), "{hers}");
        assert_eq!(ada.post("/api/stock-alert", &[("sku", "HOOD-S"), ("email", "ada@example.com")]).await.status(), 200);
        let ada_id = user::Entity::find().filter(user::Column::Email.eq("ada@example.com")).one(&app.db).await.unwrap().unwrap().id;
        let stored = asks(&app.db).await;
        assert_eq!(stored.len(), 2, "{stored:?}");
        assert!(stored.iter().any(|a| a.email == "grace@example.com" && a.user_id.is_none()));
        assert!(stored.iter().any(|a| a.email == "ada@example.com" && a.user_id == Some(ada_id)));
        assert!(mails(&app.db, "grace@example.com").await.is_empty(), "nothing is sent while it is sold out");

        // Two restocks race: whichever takes the stock from 0 tells each asker, once.
        let (a, b) = tokio::join!(
            inventory::set_stock(&app.db, "HOOD-S", 5, "delivery"),
            inventory::set_stock(&app.db, "HOOD-S", 2, "count"),
        );
        a.unwrap();
        b.unwrap();
        for to in ["grace@example.com", "ada@example.com"] {
            let sent = mails(&app.db, to).await;
            assert_eq!(sent.len(), 1, "{to}: {sent:?}");
            assert_eq!(sent[0].subject, format!("Trail Hoodie is back in stock at {}", app.state.shop().name));
            assert!(sent[0].body.contains(&format!("{}/p/{}?variant=HOOD-S", app.state.settings.public_url, hoodie.slug)), "{}", sent[0].body);
        }
        assert!(asks(&app.db).await.iter().all(|a| a.notified_at.is_some()));

        // Sold out and back again: no second mail for the same ask.
        inventory::set_stock(&app.db, "HOOD-S", 0, "count").await.unwrap();
        inventory::set_stock(&app.db, "HOOD-S", 4, "delivery").await.unwrap();
        assert_eq!(mails_to(&app.db, "grace@example.com", MAIL_KIND).await, 1);

        // In stock now: nothing to ask for. Sold out again, a new ask is told at the next return.
        let refused = guest.post("/api/stock-alert", &[("sku", "HOOD-S"), ("email", "grace@example.com")]).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("It is in stock now"));
        inventory::set_stock(&app.db, "HOOD-S", 0, "count").await.unwrap();
        assert_eq!(guest.post("/api/stock-alert", &[("sku", "HOOD-S"), ("email", "grace@example.com")]).await.status(), 200);
        assert_eq!(asks(&app.db).await.len(), 2, "the same ask, asked anew");
        inventory::set_stock(&app.db, "HOOD-S", 1, "delivery").await.unwrap();
        assert_eq!(mails_to(&app.db, "grace@example.com", MAIL_KIND).await, 2);
        assert_eq!(mails_to(&app.db, "ada@example.com", MAIL_KIND).await, 1);
    }

    async fn bad_asks_change_nothing_and_asks_are_limited_per_address(app: TestApp) {
        let mug = ProductBuilder::new("Mug").variant("MUG-1", 1800).stock(0).variant("MUG-2", 1800).stock(0).insert(&app.db).await;
        let page = format!("/p/{}?variant=MUG-1", mug.slug);
        let guest = Shopper::new(&app);

        // Without JavaScript a bad address comes back beside the field.
        let refused = guest.submit_on(&page, "/api/stock-alert", &[("sku", "MUG-1"), ("email", "not an address")]).await;
        let back = location(&refused);
        assert!(back.starts_with(&page) && back.contains("__err="), "{back}");
        let (status, shown) = guest.page(&back).await;
        assert_eq!(status, 200);
        assert!(shown.contains("Enter an email address like name@example.com.") && shown.contains("aria-invalid=\"true\""), "{shown}");

        for (sku, email, why) in [
            ("MUG-1", "", "no address"),
            ("MUG-1", "a@b", "no domain"),
            ("NO-SUCH-SKU", "grace@example.com", "an unknown variant"),
            ("MUG-1<script>", "grace@example.com", "markup"),
        ] {
            let response = guest.post("/api/stock-alert", &[("sku", sku), ("email", email)]).await;
            assert_eq!(response.status(), 422, "{why}");
        }
        // A variant no longer sold cannot be asked for, and one taken off sale tells no one when restocked.
        let mug_2 = variant::Entity::find().filter(variant::Column::Sku.eq("MUG-2")).one(&app.db).await.unwrap().unwrap();
        assert_eq!(guest.post("/api/stock-alert", &[("sku", "MUG-2"), ("email", "grace@example.com")]).await.status(), 200);
        let off_sale = storefront::server::db::statement(&app.db, "UPDATE variants SET active = ? WHERE id = ?", [false.into(), mug_2.id.into()]);
        sea_orm::ConnectionTrait::execute_raw(&app.db, off_sale).await.unwrap();
        let response = guest.post("/api/stock-alert", &[("sku", "MUG-2"), ("email", "bob@example.com")]).await;
        assert_eq!(response.status(), 422);
        assert!(response.text().await.unwrap().contains("no longer sold"));
        inventory::set_stock(&app.db, "MUG-2", 3, "delivery").await.unwrap();
        assert_eq!(mails_to(&app.db, "grace@example.com", MAIL_KIND).await, 0, "not for sale: nobody is told yet");
        assert_eq!(asks(&app.db).await.len(), 1);
        assert!(asks(&app.db).await[0].notified_at.is_none(), "the ask waits");

        let cross_site = app.client.post(app.url("/api/stock-alert")).header("sec-fetch-site", "cross-site")
            .form(&[("sku", "MUG-1"), ("email", "grace@example.com")]).send().await.unwrap();
        assert_eq!(cross_site.status(), 403);
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM stock_alerts").await, 1);

        // One address cannot be signed up for mail after mail: its asks are counted, whoever sends them.
        let limit = app.state.settings.limits.per_account_hour;
        for _ in 0..limit {
            let ask = Shopper::new(&app).post("/api/stock-alert", &[("sku", "MUG-1"), ("email", "victim@example.com")]).await;
            assert_eq!(ask.status(), 200);
        }
        let limited = Shopper::new(&app).post("/api/stock-alert", &[("sku", "MUG-1"), ("email", "Victim@Example.com")]).await;
        assert_eq!(limited.status(), 429);
        assert!(limited.headers().contains_key("retry-after"));
        assert_eq!(guest.post("/api/stock-alert", &[("sku", "MUG-1"), ("email", "grace@example.com")]).await.status(), 200, "another address is not slowed down");
    }
}
