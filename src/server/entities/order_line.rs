use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    pub variant_id: i32,
    pub sku: String,
    pub title: String,
    pub quantity: i32,
    pub unit_price: i64,
    pub line_total: i64,
    /// Units refunded by line so far (written only by `services::orders::refunds`).
    pub refunded_quantity: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
