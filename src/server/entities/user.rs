use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// As `model::account::Email` keeps it: trimmed, lower case.
    #[sea_orm(unique)]
    pub email: String,
    /// argon2id, as a PHC string (its parameters travel with it).
    pub password_hash: String,
    pub name: String,
    pub email_verified_at: Option<ChronoDateTimeUtc>,
    /// `customer` unless `storefront create-admin` made the account an admin.
    pub role: crate::model::account::Role,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
