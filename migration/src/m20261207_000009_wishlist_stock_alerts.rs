//! The wishlist (the products a signed-in shopper saved, once each) and "email me when it is back"
//! (a sold-out variant and the address to tell, once, when its stock returns).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("wishlist_items")
                .col(pk_auto("id"))
                .col(integer("user_id"))
                .col(integer("product_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("wishlist_items_user")
                        .from("wishlist_items", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("wishlist_items_product")
                        .from("wishlist_items", "product_id")
                        .to("products", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("wishlist_items_once")
                .table("wishlist_items")
                .col("user_id")
                .col("product_id")
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("stock_alerts")
                .col(pk_auto("id"))
                .col(integer("variant_id"))
                .col(string_len("email", 254))
                .col(integer_null("user_id"))
                // The mail's words, written when the shopper asks (the restock that sends it may come
                // from a job or a command that knows nothing of the shop's name or address).
                .col(string("subject"))
                .col(text("body"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("notified_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("stock_alerts_variant")
                        .from("stock_alerts", "variant_id")
                        .to("variants", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("stock_alerts_user")
                        .from("stock_alerts", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("stock_alerts_once")
                .table("stock_alerts")
                .col("variant_id")
                .col("email")
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["stock_alerts", "wishlist_items"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
