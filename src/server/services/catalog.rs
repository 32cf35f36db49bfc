//! Catalog rules: which products shoppers see, how variants are identified by their options.

use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::AppError;
use crate::server::entities::category;

/// Top-level categories for the main navigation: (slug, name).
pub async fn navigation(db: &impl ConnectionTrait) -> Result<Vec<(String, String)>, AppError> {
    use sea_orm::ColumnTrait;
    Ok(category::Entity::find()
        .select_only()
        .columns([category::Column::Slug, category::Column::Name])
        .filter(category::Column::ParentId.is_null())
        .order_by_asc(category::Column::Position)
        .order_by_asc(category::Column::Name)
        .into_tuple()
        .all(db)
        .await?)
}

/// The canonical key of a combination of option values: sorted ids, comma-joined. The schema keeps it
/// unique per product, so a product has at most one variant per combination.
pub fn option_key(value_ids: &[i32]) -> String {
    let mut ids = value_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_keys_ignore_order() {
        assert_eq!(option_key(&[12, 3]), "3,12");
        assert_eq!(option_key(&[3, 12]), "3,12");
        assert_eq!(option_key(&[]), "");
    }
}
