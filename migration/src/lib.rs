//! The store's schema, one migration per change, applied at start on SQLite and PostgreSQL alike.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_catalog;
mod m20261125_000002_catalog_changes;
mod m20261125_000003_cart_orders_inventory;
mod m20261125_000004_checkout_payments;
mod m20261202_000005_payment_pages_and_jobs;
mod m20261206_000006_accounts;
mod m20261206_000007_mail_delivery;
mod m20261207_000008_address_book;
mod m20261207_000009_wishlist_stock_alerts;
mod m20261207_000010_admin_role;
mod m20261207_000011_back_office;
mod m20261207_000012_refunds;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_catalog::Migration),
            Box::new(m20261125_000002_catalog_changes::Migration),
            Box::new(m20261125_000003_cart_orders_inventory::Migration),
            Box::new(m20261125_000004_checkout_payments::Migration),
            Box::new(m20261202_000005_payment_pages_and_jobs::Migration),
            Box::new(m20261206_000006_accounts::Migration),
            Box::new(m20261206_000007_mail_delivery::Migration),
            Box::new(m20261207_000008_address_book::Migration),
            Box::new(m20261207_000009_wishlist_stock_alerts::Migration),
            Box::new(m20261207_000010_admin_role::Migration),
            Box::new(m20261207_000011_back_office::Migration),
            Box::new(m20261207_000012_refunds::Migration),
        ]
    }
}
