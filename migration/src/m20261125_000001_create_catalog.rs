//! The catalog: categories, products, their options and values, variants, images and tags.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("categories")
                .col(pk_auto("id"))
                .col(integer_null("parent_id"))
                .col(string_uniq("slug"))
                .col(string("name"))
                .col(text("description").default(""))
                .col(integer("position").default(0))
                .foreign_key(
                    ForeignKey::create()
                        .from("categories", "parent_id")
                        .to("categories", "id")
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("products")
                .col(pk_auto("id"))
                .col(string_uniq("slug"))
                .col(string("title"))
                .col(text("description").default(""))
                .col(string("brand").default(""))
                .col(integer("category_id"))
                .col(
                    string_len("status", 16)
                        .default("draft")
                        .check(Expr::col("status").is_in(["draft", "active", "archived"])),
                )
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("products", "category_id")
                        .to("categories", "id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("products_category").table("products").col("category_id").to_owned())
            .await?;
        m.create_index(
            Index::create()
                .name("products_status_created")
                .table("products")
                .col("status")
                .col("created_at")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("product_options")
                .col(pk_auto("id"))
                .col(integer("product_id"))
                .col(string("name"))
                .col(integer("position").default(0))
                .foreign_key(
                    ForeignKey::create()
                        .from("product_options", "product_id")
                        .to("products", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .index(Index::create().name("product_options_unique_name").col("product_id").col("name").unique())
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("option_values")
                .col(pk_auto("id"))
                .col(integer("option_id"))
                .col(string("value"))
                .col(integer("position").default(0))
                .col(string_null("swatch"))
                .foreign_key(
                    ForeignKey::create()
                        .from("option_values", "option_id")
                        .to("product_options", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .index(Index::create().name("option_values_unique_value").col("option_id").col("value").unique())
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("variants")
                .col(pk_auto("id"))
                .col(integer("product_id"))
                .col(string_uniq("sku"))
                // The option value ids this variant takes, sorted and comma-joined: one variant per combination.
                .col(string("option_key"))
                .col(big_integer("price").check(Expr::col("price").gte(0)))
                .col(big_integer_null("compare_at_price").check(Expr::col("compare_at_price").gte(0)))
                .col(integer("stock").check(Expr::col("stock").gte(0)))
                .col(boolean("active").default(true))
                .col(integer("position").default(0))
                .col(integer("weight_grams").default(0).check(Expr::col("weight_grams").gte(0)))
                .foreign_key(
                    ForeignKey::create()
                        .from("variants", "product_id")
                        .to("products", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .index(Index::create().name("variants_unique_combination").col("product_id").col("option_key").unique())
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("variant_option_values")
                .col(integer("variant_id"))
                .col(integer("option_value_id"))
                .primary_key(Index::create().col("variant_id").col("option_value_id"))
                .foreign_key(
                    ForeignKey::create()
                        .from("variant_option_values", "variant_id")
                        .to("variants", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("variant_option_values", "option_value_id")
                        .to("option_values", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("variant_option_values_value")
                .table("variant_option_values")
                .col("option_value_id")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("product_images")
                .col(pk_auto("id"))
                .col(integer("product_id"))
                // Set for images of one option value (a colour): the variants of that colour show them.
                .col(integer_null("option_value_id"))
                .col(string("url"))
                .col(string("alt"))
                .col(integer("width"))
                .col(integer("height"))
                .col(integer("position").default(0))
                .foreign_key(
                    ForeignKey::create()
                        .from("product_images", "product_id")
                        .to("products", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("product_images", "option_value_id")
                        .to("option_values", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("product_images_product").table("product_images").col("product_id").to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("product_tags")
                .col(integer("product_id"))
                .col(string("tag"))
                .primary_key(Index::create().col("product_id").col("tag"))
                .foreign_key(
                    ForeignKey::create()
                        .from("product_tags", "product_id")
                        .to("products", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "product_tags",
            "product_images",
            "variant_option_values",
            "variants",
            "option_values",
            "product_options",
            "products",
            "categories",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
