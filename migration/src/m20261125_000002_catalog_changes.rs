//! The catalog change feed: every write that changes what shoppers see (products, variants, prices,
//! stock) appends a row in its own transaction. Each app node polls it and refreshes its in-memory read
//! model, so stateless nodes on one database converge within the poll interval.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("catalog_changes")
                .col(big_pk_auto("id"))
                // NULL: the whole catalog (seed, reindex).
                .col(integer_null("product_id"))
                .col(string("reason"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("catalog_changes_created_at").table("catalog_changes").col("created_at").to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("catalog_changes").to_owned()).await
    }
}
