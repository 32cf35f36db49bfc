//! Generates the catalog's rows in memory, then inserts them in large batches.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use super::SeedOptions;
use super::demo::{self, KINDS, Kind, Sizes};
use crate::error::AppError;
use crate::server::entities::{
    category, option_value, product, product_image, product_option, product_tag, variant, variant_option_value,
};

#[derive(Default)]
pub struct Catalog {
    pub categories: Vec<category::ActiveModel>,
    pub products: Vec<product::ActiveModel>,
    pub options: Vec<product_option::ActiveModel>,
    pub values: Vec<option_value::ActiveModel>,
    pub variants: Vec<variant::ActiveModel>,
    pub variant_values: Vec<variant_option_value::ActiveModel>,
    pub images: Vec<product_image::ActiveModel>,
    pub tags: Vec<product_tag::ActiveModel>,
}

/// One option of a product being built: its id and its values' (id, label, swatch).
struct BuiltOption {
    values: Vec<(i32, String, Option<&'static str>)>,
}

pub fn generate(options: SeedOptions) -> Catalog {
    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut catalog = Catalog::default();
    let mut ids = Ids::default();
    let large = options.products > 1_000;
    let epoch = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).single().unwrap_or_default();

    for (position, kind) in KINDS.iter().enumerate() {
        catalog.categories.push(category::ActiveModel {
            id: Set(position as i32 + 1),
            parent_id: Set(None),
            slug: Set(kind.category.to_owned()),
            name: Set(kind.category_name.to_owned()),
            description: Set(kind.description.to_owned()),
            position: Set(position as i32),
        });
    }

    let mut titles = std::collections::HashMap::<String, u32>::new();
    for index in 0..options.products {
        let category_index = index % KINDS.len();
        let kind = &KINDS[category_index];
        // The k-th product of a kind: names cycle fastest, nouns shift each round so pairs rarely repeat.
        let k = index / KINDS.len();
        let base = format!(
            "{} {}",
            demo::NAMES[k % demo::NAMES.len()],
            kind.nouns[(k + k / demo::NAMES.len()) % kind.nouns.len()]
        );
        let seen = titles.entry(base.clone()).or_insert(0);
        *seen += 1;
        let title = if *seen == 1 { base } else { format!("{base} {}", *seen) };
        let created = epoch + Duration::minutes(index as i64 * 7);
        let product_id = ids.next_product();
        catalog.add_product(&mut rng, &mut ids, kind, category_index as i32 + 1, product_id, &title, created, large);
    }
    catalog
}

#[derive(Default)]
struct Ids {
    product: i32,
    option: i32,
    value: i32,
    variant: i32,
    image: i32,
}

impl Ids {
    fn bump(counter: &mut i32) -> i32 {
        *counter += 1;
        *counter
    }
    fn next_product(&mut self) -> i32 {
        Self::bump(&mut self.product)
    }
    fn next_option(&mut self) -> i32 {
        Self::bump(&mut self.option)
    }
    fn next_value(&mut self) -> i32 {
        Self::bump(&mut self.value)
    }
    fn next_variant(&mut self) -> i32 {
        Self::bump(&mut self.variant)
    }
    fn next_image(&mut self) -> i32 {
        Self::bump(&mut self.image)
    }
}

pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

impl Catalog {
    #[allow(clippy::too_many_arguments)]
    fn add_product(
        &mut self,
        rng: &mut StdRng,
        ids: &mut Ids,
        kind: &Kind,
        category_id: i32,
        product_id: i32,
        title: &str,
        created: DateTime<Utc>,
        large: bool,
    ) {
        let brand = demo::BRANDS[rng.random_range(0..demo::BRANDS.len())];
        // Archived or draft products exist in real catalogs; they never show to shoppers.
        let status = match rng.random_range(0..100) {
            0 => "draft",
            1 => "archived",
            _ => "active",
        };
        self.products.push(product::ActiveModel {
            id: Set(product_id),
            slug: Set(slugify(title)),
            title: Set(title.to_owned()),
            description: Set(format!(
                "The {title} by {brand}. {} Made to last, easy to care for, and covered by free returns within 30 days.",
                kind.description
            )),
            brand: Set(brand.to_owned()),
            category_id: Set(category_id),
            status: Set(status.to_owned()),
            created_at: Set(created),
            updated_at: Set(created),
        });
        let mut tags: Vec<&str> = demo::TAGS.choose_multiple(rng, 2).copied().collect();
        tags.sort_unstable();
        for tag in tags {
            self.tags.push(product_tag::ActiveModel { product_id: Set(product_id), tag: Set(tag.to_owned()) });
        }

        let mut palette: Vec<(&'static str, &'static str)> = demo::COLOURS.to_vec();
        palette.shuffle(rng);
        let colour_count = if large { kind.colours.min(2) } else { kind.colours };
        let colour_option = (colour_count > 0).then(|| {
            let values = palette[..colour_count].iter().map(|(name, hex)| (name.to_string(), Some(*hex))).collect();
            self.add_option(ids, product_id, "Color", 0, values)
        });
        let sizes: &[&str] = match kind.sizes {
            Sizes::None => &[],
            Sizes::Apparel if large => &demo::APPAREL_SIZES[1..4],
            Sizes::Apparel => demo::APPAREL_SIZES,
            Sizes::Shoes if large => &demo::SHOE_SIZES[2..6],
            Sizes::Shoes => demo::SHOE_SIZES,
            Sizes::Socks => demo::SOCK_SIZES,
        };
        let size_option = (!sizes.is_empty()).then(|| {
            self.add_option(ids, product_id, "Size", 1, sizes.iter().map(|s| (s.to_string(), None)).collect())
        });

        // Images: one set per colour, or one set for the product.
        let alt_base = title.to_owned();
        match &colour_option {
            Some(colours) => {
                for (value_id, name, swatch) in &colours.values {
                    let hex = swatch.unwrap_or("#777777");
                    self.add_images(
                        ids,
                        product_id,
                        Some(*value_id),
                        kind.shape,
                        hex,
                        &format!("{alt_base} in {name}"),
                    );
                }
            }
            None => {
                let (name, hex) = palette[0];
                self.add_images(ids, product_id, None, kind.shape, hex, &format!("{alt_base} in {name}"));
            }
        }

        // Prices: a base price, a surcharge for the largest sizes on some products, a sale on some.
        let base = round_to_99(rng.random_range(kind.price.0..=kind.price.1));
        let big_size_surcharge = if rng.random_bool(0.2) { 500 } else { 0 };
        let on_sale = rng.random_bool(0.15);
        let sold_out = rng.random_bool(0.04);
        let colour_values: Vec<Option<&(i32, String, Option<&str>)>> = match &colour_option {
            Some(c) => c.values.iter().map(Some).collect(),
            None => vec![None],
        };
        let size_values: Vec<Option<&(i32, String, Option<&str>)>> = match &size_option {
            Some(s) => s.values.iter().map(Some).collect(),
            None => vec![None],
        };
        let sku_stem = format!("{}-{product_id:06}", kind.shape[..3].to_ascii_uppercase());
        let mut position = 0;
        for colour in &colour_values {
            for size in &size_values {
                let size_label = size.map(|(_, label, _)| label.as_str()).unwrap_or("");
                let price = if matches!(size_label, "XXL" | "45" | "46") { base + big_size_surcharge } else { base };
                let stock = if sold_out || rng.random_bool(0.08) { 0 } else { rng.random_range(1..=40) };
                let value_ids: Vec<i32> = [colour, size].iter().filter_map(|v| v.map(|(id, _, _)| *id)).collect();
                let mut sku = sku_stem.clone();
                for label in [colour.map(|c| c.1.as_str()), size.map(|s| s.1.as_str())].into_iter().flatten() {
                    sku.push('-');
                    sku.push_str(&label.replace(['/', ' '], "").to_ascii_uppercase());
                }
                self.add_variant(ids, product_id, sku, &value_ids, price, on_sale, stock, position, kind.weight_grams);
                position += 1;
            }
        }
    }

    fn add_option(
        &mut self,
        ids: &mut Ids,
        product_id: i32,
        name: &str,
        position: i32,
        values: Vec<(String, Option<&'static str>)>,
    ) -> BuiltOption {
        let option_id = ids.next_option();
        self.options.push(product_option::ActiveModel {
            id: Set(option_id),
            product_id: Set(product_id),
            name: Set(name.to_owned()),
            position: Set(position),
        });
        let mut built = BuiltOption { values: Vec::with_capacity(values.len()) };
        for (position, (label, swatch)) in values.into_iter().enumerate() {
            let value_id = ids.next_value();
            self.values.push(option_value::ActiveModel {
                id: Set(value_id),
                option_id: Set(option_id),
                value: Set(label.clone()),
                position: Set(position as i32),
                swatch: Set(swatch.map(str::to_owned)),
            });
            built.values.push((value_id, label, swatch));
        }
        built
    }

    fn add_images(&mut self, ids: &mut Ids, product_id: i32, value_id: Option<i32>, shape: &str, hex: &str, alt: &str) {
        let colour = hex.trim_start_matches('#');
        for (position, view) in ["front", "back"].iter().enumerate() {
            self.images.push(product_image::ActiveModel {
                id: Set(ids.next_image()),
                product_id: Set(product_id),
                option_value_id: Set(value_id),
                url: Set(format!("/images/{shape}/{colour}/{view}.svg")),
                alt: Set(if position == 0 { alt.to_owned() } else { format!("{alt}, back view") }),
                width: Set(800),
                height: Set(800),
                position: Set(position as i32),
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_variant(
        &mut self,
        ids: &mut Ids,
        product_id: i32,
        sku: String,
        value_ids: &[i32],
        price: i64,
        on_sale: bool,
        stock: i32,
        position: i32,
        weight_grams: i32,
    ) {
        let variant_id = ids.next_variant();
        let (price, compare_at) = if on_sale { (round_to_99(price * 3 / 4), Some(price)) } else { (price, None) };
        self.variants.push(variant::ActiveModel {
            id: Set(variant_id),
            product_id: Set(product_id),
            sku: Set(sku),
            option_key: Set(crate::server::services::catalog::option_key(value_ids)),
            price: Set(price),
            compare_at_price: Set(compare_at),
            stock: Set(stock),
            active: Set(true),
            position: Set(position),
            weight_grams: Set(weight_grams),
        });
        for value_id in value_ids {
            self.variant_values.push(variant_option_value::ActiveModel {
                variant_id: Set(variant_id),
                option_value_id: Set(*value_id),
            });
        }
    }

    pub async fn insert(self, db: &impl ConnectionTrait) -> Result<(), AppError> {
        insert_chunked(db, self.categories, 6).await?;
        insert_chunked(db, self.products, 9).await?;
        insert_chunked(db, self.options, 4).await?;
        insert_chunked(db, self.values, 5).await?;
        insert_chunked(db, self.variants, 10).await?;
        insert_chunked(db, self.variant_values, 2).await?;
        insert_chunked(db, self.images, 8).await?;
        insert_chunked(db, self.tags, 2).await?;
        Ok(())
    }
}

/// $47.23 → $46.99: prices people expect.
fn round_to_99(cents: i64) -> i64 {
    (cents / 100).max(1) * 100 - 1
}

/// Batches stay under SQLite's 32,766 bound parameters per statement.
async fn insert_chunked<A>(db: &impl ConnectionTrait, rows: Vec<A>, columns: usize) -> Result<(), AppError>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    let per_batch = 30_000 / columns;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(per_batch).collect();
        <A::Entity as EntityTrait>::insert_many(batch).exec_without_returning(db).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalog_is_big_enough_and_deterministic() {
        let first = generate(SeedOptions::default());
        assert!(first.products.len() >= 200);
        assert!(first.categories.len() >= 8);
        assert!(first.variants.len() >= 1_500, "{} variants", first.variants.len());
        let second = generate(SeedOptions::default());
        let skus = |c: &Catalog| c.variants.iter().map(|v| v.sku.clone().unwrap()).collect::<Vec<_>>();
        assert_eq!(skus(&first), skus(&second));
        let mut unique = skus(&first);
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), first.variants.len(), "SKUs are unique");
    }

    #[test]
    fn the_demo_catalog_has_sold_out_and_sale_variants() {
        let catalog = generate(SeedOptions::default());
        assert!(catalog.variants.iter().any(|v| v.stock.clone().unwrap() == 0));
        assert!(catalog.variants.iter().any(|v| v.compare_at_price.clone().unwrap().is_some()));
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert_eq!(slugify("Ridge Organic Cotton T-Shirt"), "ridge-organic-cotton-t-shirt");
        assert_eq!(slugify("Alder & Pine  Tote 2"), "alder-pine-tote-2");
    }
}
