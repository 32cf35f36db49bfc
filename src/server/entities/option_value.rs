use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "option_values")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub option_id: i32,
    pub value: String,
    pub position: i32,
    /// A CSS colour for colour swatches (`#1f4d3a`).
    pub swatch: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::product_option::Entity",
        from = "Column::OptionId",
        to = "super::product_option::Column::Id"
    )]
    ProductOption,
}

impl Related<super::product_option::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProductOption.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
