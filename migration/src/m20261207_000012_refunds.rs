//! Refunds by line: each one staff make (which units, how much, why, whether the units went back on
//! hand, and what the provider answered), the units of each order line refunded so far, and the amount
//! of an order refunded by line so far (a refund in full is the order's payment state, `refunded`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("refunds")
                .col(pk_auto("id"))
                .col(integer("order_id"))
                // Minor units given back.
                .col(big_integer("amount").check(Expr::col("amount").gt(0)))
                // pending (the provider has not answered yet), succeeded or failed (CHECK below).
                .col(string_len("status", 16).check(Expr::col("status").is_in(["pending", "succeeded", "failed"])))
                .col(string_len("reason", 500))
                // The units: [{"line": order line id, "sku": …, "quantity": n}].
                .col(text("lines"))
                .col(boolean("restocked"))
                .col(string_len("actor", 254))
                .col(string_len("provider_refund_id", 255).default(""))
                .col(string_len("error", 500).default(""))
                // The last time the provider was asked (the sweeper asks again after a while).
                .col(timestamp_with_time_zone("attempted_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("completed_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("refunds_order").table("refunds").col("order_id").to_owned()).await?;
        m.create_index(
            Index::create().name("refunds_status").table("refunds").col("status").col("attempted_at").to_owned(),
        )
        .await?;
        // SQLite adds one column per statement.
        m.alter_table(Table::alter().table("orders").add_column(big_integer("refunded_amount").default(0)).to_owned())
            .await?;
        m.alter_table(
            Table::alter().table("order_lines").add_column(integer("refunded_quantity").default(0)).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("order_lines").drop_column("refunded_quantity").to_owned()).await?;
        m.alter_table(Table::alter().table("orders").drop_column("refunded_amount").to_owned()).await?;
        m.drop_table(Table::drop().table("refunds").to_owned()).await
    }
}
