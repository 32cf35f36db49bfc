//! Checkout details on the cart, promo codes, payments on orders, the webhook inbox, the mail outbox
//! and the tables of the built-in payment sandbox.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Adds columns one statement at a time (SQLite alters one column per statement).
async fn add_columns(m: &SchemaManager<'_>, table: &str, columns: Vec<ColumnDef>) -> Result<(), DbErr> {
    for column in columns {
        m.alter_table(Table::alter().table(table.to_owned()).add_column(column).to_owned()).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // What the shopper entered at checkout, kept with the cart until the order is placed.
        add_columns(
            m,
            "carts",
            vec![
                string("email").default("").to_owned(),
                text("shipping_address").default("").to_owned(),
                string("shipping_method").default("").to_owned(),
                string("promo_code").default("").to_owned(),
            ],
        )
        .await?;
        add_columns(
            m,
            "orders",
            vec![
                string("promo_code").default("").to_owned(),
                string_null("payment_intent_id").to_owned(),
                // unpaid, failed, succeeded, refunded: what the payment provider last said.
                string("payment_status").default("unpaid").to_owned(),
                string("card_brand").default("").to_owned(),
                string("card_last4").default("").to_owned(),
                text("payment_error").default("").to_owned(),
                // Why the store did something on its own (a refund by the sweeper, say).
                text("note").default("").to_owned(),
            ],
        )
        .await?;
        m.create_index(
            Index::create().name("orders_payment_intent").table("orders").col("payment_intent_id").unique().to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("orders_status_payment")
                .table("orders")
                .col("status")
                .col("payment_status")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("promo_codes")
                .col(pk_auto("id"))
                // Stored upper-case; shoppers may type any case.
                .col(string_uniq("code"))
                .col(string("kind").check(Expr::col("kind").is_in(["percent", "fixed"])))
                // percent: whole percent (1-100); fixed: minor units.
                .col(big_integer("value").check(Expr::col("value").gt(0)))
                .col(big_integer("min_subtotal").default(0).check(Expr::col("min_subtotal").gte(0)))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(integer_null("usage_limit"))
                .col(integer("used_count").default(0).check(Expr::col("used_count").gte(0)))
                .col(boolean("active").default(true))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;

        // Each payment provider event applied, by its id: a redelivery is recognised and skipped.
        m.create_table(
            Table::create()
                .table("webhook_events")
                .col(string_len("id", 255).primary_key())
                .col(string("event_type"))
                .col(text("outcome"))
                .col(timestamp_with_time_zone("received_at"))
                .to_owned(),
        )
        .await?;

        // Mails waiting to be sent (SMTP delivery comes with accounts); the dev mailbox lists them.
        m.create_table(
            Table::create()
                .table("mail_outbox")
                .col(big_pk_auto("id"))
                .col(string("to_address"))
                .col(string("subject"))
                .col(text("body"))
                .col(string("kind"))
                .col(integer_null("order_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .index(Index::create().name("mail_outbox_kind_order").col("kind").col("order_id").unique())
                .to_owned(),
        )
        .await?;

        // The built-in payment sandbox (development only): its objects as JSON, the answers it gave per
        // Idempotency-Key, and the webhooks it still has to deliver.
        m.create_table(
            Table::create()
                .table("sandbox_objects")
                .col(string_len("id", 64).primary_key())
                .col(string("kind"))
                .col(text("body"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sandbox_idempotency")
                .col(string_len("key", 255).primary_key())
                .col(text("request"))
                .col(integer("status"))
                .col(text("response"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sandbox_webhooks")
                .col(big_pk_auto("id"))
                .col(string("event_id"))
                .col(text("payload"))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("delivered_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sandbox_webhooks_due")
                .table("sandbox_webhooks")
                .col("delivered_at")
                .col("next_attempt_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "sandbox_webhooks",
            "sandbox_idempotency",
            "sandbox_objects",
            "mail_outbox",
            "webhook_events",
            "promo_codes",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for index in ["orders_payment_intent", "orders_status_payment"] {
            m.drop_index(Index::drop().name(index).table("orders").to_owned()).await?;
        }
        for column in
            ["promo_code", "payment_intent_id", "payment_status", "card_brand", "card_last4", "payment_error", "note"]
        {
            m.alter_table(Table::alter().table("orders").drop_column(column).to_owned()).await?;
        }
        for column in ["email", "shipping_address", "shipping_method", "promo_code"] {
            m.alter_table(Table::alter().table("carts").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
