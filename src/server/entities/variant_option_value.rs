use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "variant_option_values")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub option_value_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::option_value::Entity",
        from = "Column::OptionValueId",
        to = "super::option_value::Column::Id"
    )]
    OptionValue,
}

impl Related<super::option_value::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OptionValue.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
