//! Accounts: users (email unique, argon2id PHC hash), server-side sessions (only the hash of each
//! session's token is kept), single-use tokens for email verification and password resets (hashed too),
//! and the account a cart or an order belongs to.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("users")
                .col(pk_auto("id"))
                .col(string_len("email", 254))
                .col(string("password_hash"))
                .col(string_len("name", 100))
                .col(timestamp_with_time_zone_null("email_verified_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("users_email").table("users").col("email").unique().to_owned()).await?;

        m.create_table(
            Table::create()
                .table("sessions")
                .col(string_len("id", 64).primary_key())
                .col(integer("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("sessions_user")
                        .from("sessions", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("sessions_user").table("sessions").col("user_id").to_owned()).await?;

        m.create_table(
            Table::create()
                .table("account_tokens")
                .col(string_len("id", 64).primary_key())
                .col(integer("user_id"))
                .col(string_len("purpose", 32))
                .col(string_len("email", 254))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("account_tokens_user")
                        .from("account_tokens", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("account_tokens_user")
                .table("account_tokens")
                .col("user_id")
                .col("purpose")
                .to_owned(),
        )
        .await?;

        // Carts have had a user_id column from the start; orders get theirs now. A cart also keeps what
        // its shopper is still to be told (a merge at sign-in), shown once by the next view of the cart.
        m.alter_table(Table::alter().table("orders").add_column(integer_null("user_id")).to_owned()).await?;
        m.alter_table(Table::alter().table("carts").add_column(text("notices").default("")).to_owned()).await?;
        for table in ["carts", "orders"] {
            m.create_index(Index::create().name(format!("{table}_user")).table(table).col("user_id").to_owned())
                .await?;
        }
        // An account's history also lists the guest orders placed with its confirmed address.
        m.create_index(Index::create().name("orders_email").table("orders").col("email").to_owned()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("orders_email").table("orders").to_owned()).await?;
        for table in ["carts", "orders"] {
            m.drop_index(Index::drop().name(format!("{table}_user")).table(table).to_owned()).await?;
        }
        m.alter_table(Table::alter().table("orders").drop_column("user_id").to_owned()).await?;
        m.alter_table(Table::alter().table("carts").drop_column("notices").to_owned()).await?;
        for table in ["account_tokens", "sessions", "users"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
