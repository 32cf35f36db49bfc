//! The back office: its audit log (who changed what, when, and the values before and after) and an
//! order's fulfilment (the carrier's tracking number and when it shipped).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_pk_auto("id"))
                // The account that made the change (None: an operator's command on the server).
                .col(integer_null("actor_id"))
                .col(string_len("actor", 254))
                .col(string_len("action", 64))
                // What changed: ("order", "42"), ("sku", "TEE-BLK-M")…
                .col(string_len("subject_kind", 32))
                .col(string_len("subject_key", 128))
                .col(text("before"))
                .col(text("after"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("audit_log_subject")
                .table("audit_log")
                .col("subject_kind")
                .col("subject_key")
                .col("id")
                .to_owned(),
        )
        .await?;
        // SQLite adds one column per statement.
        m.alter_table(
            Table::alter().table("orders").add_column(string_len("tracking_number", 64).default("")).to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter().table("orders").add_column(timestamp_with_time_zone_null("fulfilled_at")).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("orders").drop_column("fulfilled_at").to_owned()).await?;
        m.alter_table(Table::alter().table("orders").drop_column("tracking_number").to_owned()).await?;
        m.drop_table(Table::drop().table("audit_log").to_owned()).await
    }
}
