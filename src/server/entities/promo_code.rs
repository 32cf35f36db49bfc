use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "promo_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    /// percent or fixed (CHECK in the schema).
    pub kind: String,
    pub value: i64,
    pub min_subtotal: i64,
    pub expires_at: Option<ChronoDateTimeUtc>,
    pub usage_limit: Option<i32>,
    pub used_count: i32,
    pub active: bool,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
