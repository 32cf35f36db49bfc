//! Test data built for the test at hand instead of picked from a seeded catalog:
//! `ProductBuilder::new("Trail Tee").variant("TEE-M", 2500).stock(3).insert(&db)`. Stock starts with an
//! opening ledger row, as the seed's does, so stock always equals its ledger.

use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use storefront::server::entities::{category, inventory_ledger, product, variant};

struct VariantSpec {
    sku: String,
    price: i64,
    stock: i32,
}

/// An active product in a category of its own, with the variants added.
pub struct ProductBuilder {
    title: String,
    variants: Vec<VariantSpec>,
}

/// What was inserted.
pub struct Built {
    pub slug: String,
    /// (id, sku) in the order they were added.
    pub variants: Vec<(i32, String)>,
}

impl Built {
    /// The first variant's (id, sku).
    pub fn first(&self) -> (i32, String) {
        self.variants[0].clone()
    }
}

impl ProductBuilder {
    pub fn new(title: &str) -> Self {
        ProductBuilder { title: title.to_owned(), variants: Vec::new() }
    }

    /// A variant for sale at `price` minor units, none in stock until [`ProductBuilder::stock`].
    pub fn variant(mut self, sku: &str, price: i64) -> Self {
        self.variants.push(VariantSpec { sku: sku.to_owned(), price, stock: 0 });
        self
    }

    /// The stock of the last variant added.
    pub fn stock(mut self, stock: i32) -> Self {
        if let Some(last) = self.variants.last_mut() {
            last.stock = stock;
        }
        self
    }

    pub async fn insert(self, db: &DatabaseConnection) -> Built {
        let now = chrono::Utc::now();
        let slug = format!("{}-{}", self.title.to_lowercase().replace(' ', "-"), uuid::Uuid::new_v4().simple());
        let category = category::ActiveModel {
            slug: Set(format!("cat-{slug}")),
            name: Set(format!("{} category", self.title)),
            description: Set(String::new()),
            parent_id: Set(None),
            position: Set(0),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("insert a category");
        let product = product::ActiveModel {
            slug: Set(slug.clone()),
            title: Set(self.title.clone()),
            description: Set(format!("{} for tests.", self.title)),
            brand: Set("Test".into()),
            category_id: Set(category.id),
            status: Set("active".to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("insert a product");
        let mut variants = Vec::new();
        for (position, spec) in self.variants.into_iter().enumerate() {
            let row = variant::ActiveModel {
                product_id: Set(product.id),
                sku: Set(spec.sku.clone()),
                option_key: Set(format!("test-{position}")),
                price: Set(spec.price),
                compare_at_price: Set(None),
                stock: Set(spec.stock),
                active: Set(true),
                position: Set(position as i32),
                weight_grams: Set(0),
                ..Default::default()
            }
            .insert(db)
            .await
            .expect("insert a variant");
            inventory_ledger::ActiveModel {
                variant_id: Set(row.id),
                delta: Set(spec.stock),
                reason: Set("opening".into()),
                order_id: Set(None),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .expect("insert the opening ledger row");
            variants.push((row.id, spec.sku));
        }
        Built { slug, variants }
    }
}
