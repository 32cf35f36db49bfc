//! Hosted payment pages: an order remembers the provider's Checkout Session that the shopper was sent
//! to, so that the hold's expiry can close it at the provider before the order is cancelled. And job
//! leases: a job that must not run on two nodes at once (pruning) holds a lease row that expires, so a
//! node that dies mid-job is taken over.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("orders").add_column(string_null("checkout_session_id")).to_owned()).await?;
        m.create_index(
            Index::create()
                .name("orders_checkout_session")
                .table("orders")
                .col("checkout_session_id")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("job_leases")
                .col(string("name").primary_key())
                .col(string("holder"))
                .col(timestamp_with_time_zone("expires_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("job_leases").to_owned()).await?;
        m.drop_index(Index::drop().name("orders_checkout_session").table("orders").to_owned()).await?;
        m.alter_table(Table::alter().table("orders").drop_column("checkout_session_id").to_owned()).await
    }
}
