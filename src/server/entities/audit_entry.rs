use sea_orm::entity::prelude::*;

/// One change made in the back office (or by an operator's command), written in the change's transaction.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The admin's account (None: a command run on the server).
    pub actor_id: Option<i32>,
    /// The admin's email, as it was then (or "command line").
    pub actor: String,
    pub action: String,
    pub subject_kind: String,
    pub subject_key: String,
    /// JSON of the values the change replaced, and of the values it wrote.
    pub before: String,
    pub after: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
