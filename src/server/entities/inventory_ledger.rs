use sea_orm::entity::prelude::*;

/// One change of a variant's stock on hand; a variant's stock equals the sum of its deltas.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inventory_ledger")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub variant_id: i32,
    pub delta: i32,
    /// seed | order | order_cancelled | adjustment
    pub reason: String,
    pub order_id: Option<i32>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
