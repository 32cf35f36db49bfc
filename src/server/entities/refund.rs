use sea_orm::entity::prelude::*;

/// A refund of some of an order's units, made by staff (written only by `services::orders::refunds`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: i32,
    /// Minor units given back.
    pub amount: i64,
    /// pending, succeeded or failed (CHECK in the schema).
    pub status: String,
    pub reason: String,
    /// JSON: [{"line": order line id, "sku": …, "quantity": n}].
    pub lines: String,
    /// The units were put back on hand (through the inventory ledger) when the refund was made.
    pub restocked: bool,
    pub actor: String,
    pub provider_refund_id: String,
    /// The provider's refusal, for a failed refund.
    pub error: String,
    pub attempted_at: ChronoDateTimeUtc,
    pub created_at: ChronoDateTimeUtc,
    pub completed_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
