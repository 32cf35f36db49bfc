use sea_orm::entity::prelude::*;

/// "Email me when it is back": a sold-out variant and the address to tell, once, when its stock returns.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub variant_id: i32,
    pub email: String,
    /// The signed-in shopper who asked (None for a guest).
    pub user_id: Option<i32>,
    pub subject: String,
    pub body: String,
    pub created_at: ChronoDateTimeUtc,
    /// When the mail was queued (in the restock's transaction); None while waiting.
    pub notified_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
