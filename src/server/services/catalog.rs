//! Catalog rules: which products shoppers see, how variants are identified by their options.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::AppError;
use crate::model::catalog::Image;
use crate::server::entities::{option_value, product, product_image, product_option, variant, variant_option_value};

/// The status of a product that shoppers see and can buy (drafts and archived products are hidden).
pub const ACTIVE: &str = "active";

/// "Sellable": an active variant of an active product. The one definition: cart, checkout and order
/// placement ask it (stock is a separate question).
pub fn is_sellable(product: &product::Model, variant: &variant::Model) -> bool {
    variant.active && product.status == ACTIVE
}

/// The variant `sku` names with its product, if a shopper can buy it ([`is_sellable`]); refused with what
/// the shopper is told otherwise. Stock is the caller's question.
pub async fn sellable_by_sku(
    db: &impl ConnectionTrait,
    sku: &str,
) -> Result<Result<(variant::Model, product::Model), AppError>, sea_orm::DbErr> {
    let found =
        variant::Entity::find().filter(variant::Column::Sku.eq(sku)).find_also_related(product::Entity).one(db).await?;
    Ok(match found {
        Some((variant, Some(product))) if is_sellable(&product, &variant) => Ok((variant, product)),
        Some(_) => Err(AppError::invalid("sku", "This item is no longer sold.")),
        None => Err(AppError::invalid("sku", "We couldn't find that item.")),
    })
}

/// The canonical key of a combination of option values: sorted ids, comma-joined. The schema keeps it
/// unique per product, so a product has at most one variant per combination.
pub fn option_key(value_ids: &[i32]) -> String {
    let mut ids = value_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

/// "Navy / M" per variant (by id), values in their option's order; none for a variant without options.
pub async fn variant_labels(
    db: &impl ConnectionTrait,
    variant_ids: &[i32],
) -> Result<HashMap<i32, String>, sea_orm::DbErr> {
    let links = variant_option_value::Entity::find()
        .filter(variant_option_value::Column::VariantId.is_in(variant_ids.to_vec()))
        .find_also_related(option_value::Entity)
        .all(db)
        .await?;
    let mut values: HashMap<i32, Vec<(i32, String)>> = HashMap::new();
    for (link, value) in links {
        if let Some(value) = value {
            values.entry(link.variant_id).or_default().push((value.option_id, value.value));
        }
    }
    Ok(values
        .into_iter()
        .map(|(id, mut v)| {
            v.sort();
            (id, v.into_iter().map(|(_, value)| value).collect::<Vec<_>>().join(" / "))
        })
        .collect())
}

/// A product's options and their values, each in position order.
pub async fn options_of(
    db: &impl ConnectionTrait,
    product_id: i32,
) -> Result<(Vec<product_option::Model>, Vec<option_value::Model>), sea_orm::DbErr> {
    let options = product_option::Entity::find()
        .filter(product_option::Column::ProductId.eq(product_id))
        .order_by_asc(product_option::Column::Position)
        .all(db)
        .await?;
    let values = option_value::Entity::find()
        .filter(option_value::Column::OptionId.is_in(options.iter().map(|o| o.id)))
        .order_by_asc(option_value::Column::Position)
        .all(db)
        .await?;
    Ok((options, values))
}

/// Each product's first image (by product id).
pub async fn first_images(
    db: &impl ConnectionTrait,
    product_ids: &[i32],
) -> Result<HashMap<i32, Image>, sea_orm::DbErr> {
    let rows = product_image::Entity::find()
        .filter(product_image::Column::ProductId.is_in(product_ids.to_vec()))
        .filter(product_image::Column::Position.eq(0))
        .order_by_asc(product_image::Column::Id)
        .all(db)
        .await?;
    let mut images = HashMap::new();
    for row in rows {
        images.entry(row.product_id).or_insert(Image {
            url: row.url,
            alt: row.alt,
            width: row.width,
            height: row.height,
        });
    }
    Ok(images)
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
