use sea_orm::entity::prelude::*;

pub use crate::model::order::{OrderStatus, PaymentStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub token: String,
    pub email: String,
    /// The account that placed it (None: a guest's order).
    pub user_id: Option<i32>,
    /// Written only by `services::orders::lifecycle` (CHECK in the schema).
    pub status: OrderStatus,
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
    /// What the payment provider last said; written only by `services::orders::lifecycle`.
    pub payment_status: PaymentStatus,
    pub card_brand: String,
    pub card_last4: String,
    pub payment_error: String,
    pub note: String,
    /// The provider's hosted payment page (Checkout Session) the shopper was sent to.
    pub checkout_session_id: Option<String>,
    /// The carrier's tracking number, given when the order was fulfilled ('' before).
    pub tracking_number: String,
    pub fulfilled_at: Option<ChronoDateTimeUtc>,
    /// Minor units refunded by line so far (written only by `services::orders::refunds`); a refund in
    /// full is the payment's state `refunded`.
    pub refunded_amount: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
