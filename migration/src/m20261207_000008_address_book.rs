//! The address book: a signed-in shopper's saved shipping addresses, at most one of them the default
//! (a partial unique index keeps it so whatever writes at the same time).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("addresses")
                .col(pk_auto("id"))
                .col(integer("user_id"))
                .col(string_len("name", 120))
                .col(string_len("line1", 120))
                .col(string_len("line2", 120))
                .col(string_len("city", 120))
                .col(string_len("region", 120))
                .col(string_len("postal_code", 120))
                .col(string_len("country", 2))
                .col(boolean("is_default").default(false))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("addresses_user")
                        .from("addresses", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("addresses_user").table("addresses").col("user_id").to_owned()).await?;
        // SQLite and PostgreSQL both have partial indexes; sea-query builds none, so it is spelled out.
        m.get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX addresses_one_default ON addresses (user_id) WHERE is_default")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("addresses").to_owned()).await?;
        Ok(())
    }
}
