//! Job leases with two nodes: a round of hold expiry or of the payment sweeper never runs on a node
//! while another holds its lease, and a node that died mid-round is taken over when its lease runs out.

use storefront::server::jobs;
use storefront::server::services::leases;

use crate::backend_tests;
use crate::fixtures::ProductBuilder;
use crate::orders::{order_one, scalar, stock_of};
use crate::payments::order_status;

async fn expire_lease(db: &sea_orm::DatabaseConnection, name: &str) {
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    let sql = storefront::server::db::statement(
        db,
        "UPDATE job_leases SET expires_at = ? WHERE name = ?",
        [past.into(), name.into()],
    );
    sea_orm::ConnectionTrait::execute_raw(db, sql).await.unwrap();
}

backend_tests! {
    async fn a_job_round_runs_on_one_node_at_a_time_and_a_dead_nodes_lease_is_taken_over(app: TestApp) {
        let (variant_id, sku) = ProductBuilder::new("Lease Mug").variant("LEASE-MUG", 1200).stock(2).insert(&app.db).await.first();
        let order = order_one(&app.db, &sku, "leased").await;
        let past = chrono::Utc::now() - chrono::Duration::minutes(1);
        let sql = storefront::server::db::statement(&app.db, "UPDATE orders SET hold_expires_at = ? WHERE id = ?", [past.into(), order.order_id.into()]);
        sea_orm::ConnectionTrait::execute_raw(&app.db, sql).await.unwrap();

        // Node A is in the middle of a round (it holds both leases) when node B's rounds come due.
        for lease in [jobs::HOLD_EXPIRY_LEASE, jobs::SWEEP_LEASE] {
            assert!(leases::acquire(&app.db, lease, "node-a", jobs::ROUND_LEASE, chrono::Utc::now()).await.unwrap());
        }
        let payments = &app.state.payments;
        assert_eq!(jobs::expire_holds(&app.db, payments, "node-b").await.unwrap(), None);
        assert_eq!(jobs::sweep(&app.db, payments, "node-b").await.unwrap(), None);
        assert_eq!(order_status(&app.db, order.order_id).await.0, "pending_payment", "nothing ran on node B");

        // Node A dies: once its leases run out, node B (or this app's own node) takes the rounds over.
        expire_lease(&app.db, jobs::HOLD_EXPIRY_LEASE).await;
        expire_lease(&app.db, jobs::SWEEP_LEASE).await;
        let cancelled = jobs::expire_holds(&app.db, payments, "node-b").await.unwrap();
        assert!(matches!(cancelled, Some(0 | 1)), "{cancelled:?}");
        assert_eq!(order_status(&app.db, order.order_id).await.0, "cancelled");
        assert_eq!(stock_of(&app.db, variant_id).await, 2, "its unit came back once");
        assert!(jobs::sweep(&app.db, payments, "node-b").await.unwrap().is_some());
        let held = scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM job_leases WHERE holder = 'node-b'").await;
        assert_eq!(held, 0, "a finished round gives its lease back");
    }
}
