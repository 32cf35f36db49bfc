//! The mail outbox becomes a delivery queue: each mail counts its tries, waits until its next try (a
//! growing back-off), is claimed by one worker at a time (a lease that a dead node's claim outlives
//! only briefly), and keeps the last error, or when it was given up.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns this migration adds to `mail_outbox`, in order.
const COLUMNS: [&str; 6] = ["attempts", "next_attempt_at", "claim", "claimed_until", "last_error", "failed_at"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        let columns = [
            integer("attempts").default(0).to_owned(),
            timestamp_with_time_zone_null("next_attempt_at"),
            string_len("claim", 64).default("").to_owned(),
            timestamp_with_time_zone_null("claimed_until"),
            text("last_error").default("").to_owned(),
            timestamp_with_time_zone_null("failed_at"),
        ];
        for column in columns {
            m.alter_table(Table::alter().table("mail_outbox").add_column(column).to_owned()).await?;
        }
        m.create_index(
            Index::create().name("mail_outbox_unsent").table("mail_outbox").col("sent_at").col("failed_at").to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("mail_outbox_unsent").table("mail_outbox").to_owned()).await?;
        for column in COLUMNS.iter().rev() {
            m.alter_table(Table::alter().table("mail_outbox").drop_column(*column).to_owned()).await?;
        }
        Ok(())
    }
}
