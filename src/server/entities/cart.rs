use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "carts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub token: String,
    pub user_id: Option<i32>,
    /// Checkout details entered so far (empty until entered).
    pub email: String,
    /// JSON of `model::checkout::Address`.
    pub shipping_address: String,
    pub shipping_method: String,
    pub promo_code: String,
    /// What the shopper is still to be told about this cart (lines of text; a merge at sign-in).
    pub notices: String,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
