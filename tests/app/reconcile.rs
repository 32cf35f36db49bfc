//! Inventory reconciliation on both backends: stock corrupted behind the ledger's back, and an order
//! awaiting payment whose ledger row went missing, are found; a repair corrects the ledger (reason
//! `reconcile`), keeps the stock, and leaves the hold for a person. The command's exit codes and
//! output are in `reconcile_command`.

use storefront::server::services::{inventory, reconcile};

use crate::backend_tests;
use crate::fixtures::ProductBuilder;
use crate::orders::scalar;
use crate::shopper::Shopper;

async fn execute(db: &sea_orm::DatabaseConnection, sql: &str, values: Vec<sea_orm::Value>) {
    let statement = storefront::server::db::statement(db, sql, values);
    sea_orm::ConnectionTrait::execute_raw(db, statement).await.unwrap();
}

backend_tests! {
    async fn reconciliation_finds_drift_and_repairs_the_ledger_not_the_stock(app: TestApp) {
        let tee = ProductBuilder::new("Tee").variant("TEE-A", 2000).stock(5).variant("TEE-B", 2000).stock(3).insert(&app.db).await;
        let clean = reconcile::check(&app.db).await.unwrap();
        assert_eq!((clean.skus_checked, clean.drifts.len(), clean.has_drift()), (2, 0, false), "{clean:?}");

        // Stock written behind the ledger's back, and an awaiting-payment order's ledger row lost.
        execute(&app.db, "UPDATE variants SET stock = 9 WHERE sku = ?", vec!["TEE-A".into()]).await;
        Shopper::new(&app).check_out("TEE-B", "grace@example.com").await;
        let (b_id, _) = tee.variants[1].clone();
        execute(&app.db, "DELETE FROM inventory_ledger WHERE variant_id = ? AND order_id IS NOT NULL", vec![b_id.into()]).await;

        let found = reconcile::check(&app.db).await.unwrap();
        assert!(found.has_drift());
        let by_sku = |sku: &str| found.drifts.iter().find(|d| d.sku == sku).cloned().unwrap_or_else(|| panic!("{sku}: {found:?}"));
        let (a, b) = (by_sku("TEE-A"), by_sku("TEE-B"));
        assert_eq!((a.stock, a.ledger, a.ledger_drift(), a.hold_drift()), (9, 5, 4, 0));
        assert_eq!((b.stock, b.ledger, b.ledger_drift(), b.held_by_orders, b.held_in_ledger), (2, 3, -1, 1, 0));
        let text = found.to_text();
        assert!(text.contains("2 of 2 SKUs drift: stock differs from the ledger in 2, holds of orders awaiting payment in 1"), "{text}");
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM inventory_ledger WHERE reason = 'reconcile'").await, 0, "a check writes nothing");

        let repaired = reconcile::repair(&app.db).await.unwrap();
        assert_eq!(repaired.repaired, vec!["TEE-A".to_owned(), "TEE-B".to_owned()]);
        assert!(repaired.has_drift(), "the hold is left for a person");
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM inventory_ledger WHERE reason = 'reconcile'").await, 2);
        assert_eq!(scalar(&app.db, "SELECT CAST(SUM(stock) AS BIGINT) FROM variants").await, 11, "the stock is kept");
        let (a_id, _) = tee.first();
        assert_eq!(inventory::ledger_sum(&app.db, a_id).await.unwrap(), 9);
        assert_eq!(inventory::ledger_sum(&app.db, b_id).await.unwrap(), 2);

        let after = reconcile::check(&app.db).await.unwrap();
        assert_eq!(after.drifts.len(), 1, "{after:?}");
        assert_eq!((after.drifts[0].sku.as_str(), after.drifts[0].ledger_drift(), after.drifts[0].hold_drift()), ("TEE-B", 0, 1));
        // A second repair has nothing more to write.
        reconcile::repair(&app.db).await.unwrap();
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM inventory_ledger WHERE reason = 'reconcile'").await, 2);
    }
}
