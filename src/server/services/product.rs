//! One product as its page shows it: options, active variants with their option values, images.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::AppError;
use crate::model::catalog::Image;
use crate::model::money::Money;
use crate::model::product::{OptionValue, ProductDetail, ProductOption, Variant, VariantImage};
use crate::server::entities::{category, product, product_image, variant, variant_option_value};
use crate::server::services::catalog;

/// An active product by slug; drafts, archived and unknown products are NotFound.
#[tracing::instrument(skip(db))]
pub async fn product_detail(db: &impl ConnectionTrait, slug: &str) -> Result<ProductDetail, AppError> {
    let product = product::Entity::find()
        .filter(product::Column::Slug.eq(slug))
        .filter(product::Column::Status.eq(catalog::ACTIVE))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let category = category::Entity::find_by_id(product.category_id).one(db).await?.ok_or(AppError::NotFound)?;

    let (options, values) = catalog::options_of(db, product.id).await?;
    let variants = variant::Entity::find()
        .filter(variant::Column::ProductId.eq(product.id))
        .filter(variant::Column::Active.eq(true))
        .order_by_asc(variant::Column::Position)
        .all(db)
        .await?;
    let links = variant_option_value::Entity::find()
        .filter(variant_option_value::Column::VariantId.is_in(variants.iter().map(|v| v.id)))
        .all(db)
        .await?;
    let images = product_image::Entity::find()
        .filter(product_image::Column::ProductId.eq(product.id))
        .order_by_asc(product_image::Column::OptionValueId)
        .order_by_asc(product_image::Column::Position)
        .all(db)
        .await?;

    // Each variant's value ids, put in the product's option order.
    let option_of_value: HashMap<i32, i32> = values.iter().map(|v| (v.id, v.option_id)).collect();
    let mut values_of_variant: HashMap<i32, Vec<i32>> = HashMap::new();
    for link in &links {
        values_of_variant.entry(link.variant_id).or_default().push(link.option_value_id);
    }
    let ordered = |ids: &[i32]| -> Vec<i32> {
        options.iter().filter_map(|o| ids.iter().copied().find(|id| option_of_value.get(id) == Some(&o.id))).collect()
    };

    Ok(ProductDetail {
        slug: product.slug,
        title: product.title,
        description: product.description,
        brand: product.brand,
        category_slug: category.slug,
        category_name: category.name,
        options: options
            .iter()
            .map(|o| ProductOption {
                name: o.name.clone(),
                values: values
                    .iter()
                    .filter(|v| v.option_id == o.id)
                    .map(|v| OptionValue { id: v.id, label: v.value.clone(), swatch: v.swatch.clone() })
                    .collect(),
            })
            .collect(),
        variants: variants
            .into_iter()
            .map(|v| Variant {
                value_ids: ordered(values_of_variant.get(&v.id).map(Vec::as_slice).unwrap_or_default()),
                sku: v.sku,
                price: Money::store(v.price),
                compare_at: v.compare_at_price.filter(|c| *c > v.price).map(Money::store),
                stock: v.stock.max(0),
            })
            .collect(),
        images: images
            .into_iter()
            .map(|i| VariantImage {
                image: Image { url: i.url, alt: i.alt, width: i.width, height: i.height },
                value_id: i.option_value_id,
            })
            .collect(),
    })
}
