use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub kind: String,
    pub order_id: Option<i32>,
    pub created_at: ChronoDateTimeUtc,
    pub sent_at: Option<ChronoDateTimeUtc>,
    /// Tries so far (each SMTP conversation that ended, well or not).
    pub attempts: i32,
    /// Not tried again before this (None: as soon as a worker is free).
    pub next_attempt_at: Option<ChronoDateTimeUtc>,
    /// The worker that holds this mail now ('' for none) and until when.
    pub claim: String,
    pub claimed_until: Option<ChronoDateTimeUtc>,
    /// The last try's error ('' when none failed).
    pub last_error: String,
    /// When delivery was given up (too many tries, or a permanent refusal).
    pub failed_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
