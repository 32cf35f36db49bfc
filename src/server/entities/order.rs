use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub token: String,
    pub email: String,
    /// See `model::order::OrderStatus` (CHECK in the schema).
    pub status: String,
    pub currency: String,
    pub subtotal: i64,
    pub discount: i64,
    pub shipping: i64,
    pub tax: i64,
    pub total: i64,
    pub shipping_address: String,
    pub shipping_method: String,
    pub hold_expires_at: ChronoDateTimeUtc,
    pub paid_at: Option<ChronoDateTimeUtc>,
    pub promo_code: String,
    pub payment_intent_id: Option<String>,
    /// unpaid, failed, succeeded, refunded: what the payment provider last said.
    pub payment_status: String,
    pub card_brand: String,
    pub card_last4: String,
    pub payment_error: String,
    pub note: String,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
