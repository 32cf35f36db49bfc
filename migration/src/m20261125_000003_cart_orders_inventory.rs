//! Carts, orders, the inventory ledger and idempotency keys for order placement.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The order states (see `model::order::OrderStatus`, the one place that defines their transitions).
const ORDER_STATES: [&str; 5] = ["pending_payment", "paid", "fulfilled", "cancelled", "refunded"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("carts")
                .col(pk_auto("id"))
                // The cookie's random token (128 bits, hex).
                .col(string_uniq("token"))
                .col(integer_null("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("carts_updated_at").table("carts").col("updated_at").to_owned()).await?;

        m.create_table(
            Table::create()
                .table("cart_lines")
                .col(pk_auto("id"))
                .col(integer("cart_id"))
                .col(integer("variant_id"))
                .col(integer("quantity").check(Expr::col("quantity").gte(1)))
                // The unit price the shopper last saw: a later change is shown before paying.
                .col(big_integer("seen_price"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("cart_lines", "cart_id")
                        .to("carts", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("cart_lines", "variant_id")
                        .to("variants", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .index(Index::create().name("cart_lines_unique_variant").col("cart_id").col("variant_id").unique())
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("orders")
                .col(pk_auto("id"))
                // Unguessable: the confirmation page's address (/orders/{token}).
                .col(string_uniq("token"))
                .col(string("email"))
                .col(string("status").check(Expr::col("status").is_in(ORDER_STATES)))
                .col(string_len("currency", 3))
                .col(big_integer("subtotal").check(Expr::col("subtotal").gte(0)))
                .col(big_integer("discount").default(0).check(Expr::col("discount").gte(0)))
                .col(big_integer("shipping").default(0).check(Expr::col("shipping").gte(0)))
                .col(big_integer("tax").default(0).check(Expr::col("tax").gte(0)))
                .col(big_integer("total").check(Expr::col("total").gte(0)))
                .col(text("shipping_address").default(""))
                .col(string("shipping_method").default(""))
                .col(timestamp_with_time_zone("hold_expires_at"))
                .col(timestamp_with_time_zone_null("paid_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("orders_status_hold").table("orders").col("status").col("hold_expires_at").to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("order_lines")
                .col(pk_auto("id"))
                .col(integer("order_id"))
                .col(integer("variant_id"))
                .col(string("sku"))
                .col(string("title"))
                .col(integer("quantity").check(Expr::col("quantity").gte(1)))
                .col(big_integer("unit_price").check(Expr::col("unit_price").gte(0)))
                .col(big_integer("line_total").check(Expr::col("line_total").gte(0)))
                .foreign_key(
                    ForeignKey::create()
                        .from("order_lines", "order_id")
                        .to("orders", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("order_lines", "variant_id")
                        .to("variants", "id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("order_lines_order").table("order_lines").col("order_id").to_owned())
            .await?;

        // Every change of stock on hand, so that stock always equals the sum of its ledger.
        m.create_table(
            Table::create()
                .table("inventory_ledger")
                .col(big_pk_auto("id"))
                .col(integer("variant_id"))
                .col(integer("delta"))
                .col(string("reason"))
                .col(integer_null("order_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("inventory_ledger", "variant_id")
                        .to("variants", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("inventory_ledger_variant").table("inventory_ledger").col("variant_id").to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("idempotency_keys")
                .col(string_len("key", 100).primary_key())
                .col(text("fingerprint"))
                .col(string("state").check(Expr::col("state").is_in(["in_progress", "done"])))
                .col(integer_null("order_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["idempotency_keys", "inventory_ledger", "order_lines", "orders", "cart_lines", "carts"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
