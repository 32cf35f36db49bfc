//! The catalog read model: what listings, facets, search and the home page need of every active
//! product, loaded from the database (the source of truth) into memory in a fixed number of queries.
//!
//! Each app node keeps one [`Snapshot`] behind [`ReadModel`] and swaps in a new one when the catalog
//! change feed (`catalog_changes`) moves: writers append a change in their own transaction
//! ([`record_change`]), every node polls the feed ([`ReadModel::refresh_if_changed`]). So stateless nodes
//! on one PostgreSQL database converge within the poll interval, and a listing costs no query at all.
//! Anything that must be exact at the moment of a write (add to cart, checkout) reads the database.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

use super::search::SearchIndex;
use crate::error::AppError;
use crate::model::catalog::{FacetKey, Image, ProductCard};
use crate::model::money::Money;
use crate::server::db::statement;

/// An active product as listings and search see it.
#[derive(Debug, Clone)]
pub struct ProductEntry {
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub brand: String,
    pub description: String,
    /// Index into [`Snapshot::categories`].
    pub category: usize,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    pub updated_at: i64,
    pub min_price: i64,
    pub max_price: i64,
    /// The highest compare-at price over the active variants, 0 when none.
    pub max_compare: i64,
    pub in_stock: bool,
    /// Indexes into [`Snapshot::values`] of the values its active variants take (sorted, distinct).
    pub values: Vec<u32>,
    pub skus: Vec<String>,
    pub image: Option<Image>,
}

impl ProductEntry {
    pub fn card(&self) -> ProductCard {
        ProductCard {
            slug: self.slug.clone(),
            title: self.title.clone(),
            brand: self.brand.clone(),
            image: self.image.clone(),
            min_price: Money::store(self.min_price),
            max_price: Money::store(self.max_price),
            compare_at: (self.max_compare > self.min_price).then(|| Money::store(self.max_compare)),
            sold_out: !self.in_stock,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CategoryEntry {
    pub id: i32,
    pub parent_id: Option<i32>,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i32,
}

/// One option value across the catalog (all products' "M" sizes are one value).
#[derive(Debug, Clone)]
pub struct ValueEntry {
    /// The option's name: "Size", "Color", "Material"…
    pub option: String,
    pub value: String,
    /// The lowest position the value has in any product: the facet order.
    pub position: i32,
    pub swatch: Option<String>,
    /// The listing facet this value belongs to (from its option's name), worked out once at load: the
    /// listing asks for every value of every product.
    facet: Option<FacetKey>,
}

impl ValueEntry {
    pub fn new(option: String, value: String, position: i32, swatch: Option<String>) -> ValueEntry {
        let facet = match option.as_str() {
            "Size" => Some(FacetKey::Size),
            "Color" => Some(FacetKey::Color),
            _ => None,
        };
        ValueEntry { option, value, position, swatch, facet }
    }

    /// The listing facet this value belongs to, if any.
    pub fn facet(&self) -> Option<FacetKey> {
        self.facet
    }
}

/// The catalog at one point of the change feed. Immutable: a refresh builds a new one.
pub struct Snapshot {
    pub categories: Vec<CategoryEntry>,
    pub products: Vec<ProductEntry>,
    pub values: Vec<ValueEntry>,
    category_by_slug: HashMap<String, usize>,
    product_by_slug: HashMap<String, usize>,
    /// Product indexes in each sort order, computed once per snapshot.
    pub by_newest: Vec<u32>,
    pub by_price_asc: Vec<u32>,
    pub by_price_desc: Vec<u32>,
    pub by_name: Vec<u32>,
    pub search: SearchIndex,
    /// The change feed position this snapshot includes.
    pub mark: ChangeMark,
}

impl Snapshot {
    pub fn category_index(&self, slug: &str) -> Option<usize> {
        self.category_by_slug.get(slug).copied()
    }

    /// The active product with this slug.
    pub fn product(&self, slug: &str) -> Option<&ProductEntry> {
        self.product_by_slug.get(slug).map(|&i| &self.products[i])
    }

    /// Top-level categories in navigation order.
    pub fn top_categories(&self) -> impl Iterator<Item = &CategoryEntry> {
        self.categories.iter().filter(|c| c.parent_id.is_none())
    }

    /// Loads every active product in six queries, whatever the catalog's size.
    pub async fn load(db: &impl ConnectionTrait) -> Result<Snapshot, AppError> {
        let started = Instant::now();
        let mark = ChangeMark::read(db).await?;
        let backend = db.get_database_backend();
        let query = |sql: &str| Statement::from_string(backend, sql.to_owned());

        let categories: Vec<CategoryEntry> = CategoryRow::find_by_statement(query(
            "SELECT id, parent_id, slug, name, description, position FROM categories ORDER BY position, name, id",
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|r| CategoryEntry {
            id: r.id,
            parent_id: r.parent_id,
            slug: r.slug,
            name: r.name,
            description: r.description,
            position: r.position,
        })
        .collect();
        let category_by_id: HashMap<i32, usize> = categories.iter().enumerate().map(|(i, c)| (c.id, i)).collect();

        // Products with at least one active variant; a product nobody can buy is not listed.
        let rows = ProductRow::find_by_statement(query(
            "SELECT p.id, p.slug, p.title, p.brand, p.description, p.category_id, p.created_at, p.updated_at, \
             MIN(v.price) AS min_price, MAX(v.price) AS max_price, \
             MAX(COALESCE(v.compare_at_price, 0)) AS max_compare, \
             MAX(CASE WHEN v.stock > 0 THEN 1 ELSE 0 END) AS in_stock \
             FROM products p JOIN variants v ON v.product_id = p.id AND v.active = TRUE \
             WHERE p.status = 'active' \
             GROUP BY p.id, p.slug, p.title, p.brand, p.description, p.category_id, p.created_at, p.updated_at \
             ORDER BY p.id",
        ))
        .all(db)
        .await?;
        let mut products = Vec::with_capacity(rows.len());
        let mut index_of: HashMap<i32, usize> = HashMap::with_capacity(rows.len());
        for r in rows {
            let Some(&category) = category_by_id.get(&r.category_id) else { continue };
            index_of.insert(r.id, products.len());
            products.push(ProductEntry {
                id: r.id,
                slug: r.slug,
                title: r.title,
                brand: r.brand,
                description: r.description,
                category,
                created_at: r.created_at.timestamp_millis(),
                updated_at: r.updated_at.timestamp_millis(),
                min_price: r.min_price,
                max_price: r.max_price,
                max_compare: r.max_compare,
                in_stock: r.in_stock > 0,
                values: Vec::new(),
                skus: Vec::new(),
                image: None,
            });
        }

        let mut values: Vec<ValueEntry> = Vec::new();
        let mut value_index: HashMap<(String, String), u32> = HashMap::new();
        let value_rows = ValueRow::find_by_statement(query(
            "SELECT DISTINCT v.product_id, po.name AS option_name, ov.value, ov.position, ov.swatch \
             FROM variants v JOIN variant_option_values x ON x.variant_id = v.id \
             JOIN option_values ov ON ov.id = x.option_value_id JOIN product_options po ON po.id = ov.option_id \
             WHERE v.active = TRUE",
        ))
        .all(db)
        .await?;
        for r in value_rows {
            let Some(&p) = index_of.get(&r.product_id) else { continue };
            let key = (r.option_name, r.value);
            let id = match value_index.get(&key) {
                Some(&id) => {
                    let entry = &mut values[id as usize];
                    entry.position = entry.position.min(r.position);
                    if entry.swatch.is_none() {
                        entry.swatch = r.swatch;
                    }
                    id
                }
                None => {
                    let id = values.len() as u32;
                    values.push(ValueEntry::new(key.0.clone(), key.1.clone(), r.position, r.swatch));
                    value_index.insert(key, id);
                    id
                }
            };
            products[p].values.push(id);
        }
        for product in &mut products {
            product.values.sort_unstable();
            product.values.dedup();
        }

        for r in
            SkuRow::find_by_statement(query("SELECT product_id, sku FROM variants WHERE active = TRUE ORDER BY id"))
                .all(db)
                .await?
        {
            if let Some(&p) = index_of.get(&r.product_id) {
                products[p].skus.push(r.sku);
            }
        }

        // The first image of each product (for colour products, the first colour's front view).
        for r in ImageRow::find_by_statement(query(
            "SELECT product_id, url, alt, width, height FROM product_images WHERE position = 0 ORDER BY product_id, id",
        ))
        .all(db)
        .await?
        {
            if let Some(&p) = index_of.get(&r.product_id)
                && products[p].image.is_none()
            {
                products[p].image = Some(Image { url: r.url, alt: r.alt, width: r.width, height: r.height });
            }
        }

        let search = SearchIndex::build(&products, &categories, &values)?;
        let snapshot = Snapshot::assemble(categories, products, values, search, mark);
        tracing::info!(products = snapshot.products.len(), elapsed = ?started.elapsed(), "catalog read model loaded");
        Ok(snapshot)
    }

    fn assemble(
        categories: Vec<CategoryEntry>,
        products: Vec<ProductEntry>,
        values: Vec<ValueEntry>,
        search: SearchIndex,
        mark: ChangeMark,
    ) -> Snapshot {
        let all: Vec<u32> = (0..products.len() as u32).collect();
        let sorted = |key: &dyn Fn(&ProductEntry, &ProductEntry) -> std::cmp::Ordering| {
            let mut order = all.clone();
            order.sort_by(|&a, &b| key(&products[a as usize], &products[b as usize]));
            order
        };
        let by_newest = sorted(&|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        let by_price_asc = sorted(&|a, b| a.min_price.cmp(&b.min_price).then(a.id.cmp(&b.id)));
        let by_price_desc = sorted(&|a, b| b.min_price.cmp(&a.min_price).then(a.id.cmp(&b.id)));
        let by_name = sorted(&|a, b| {
            a.title.to_lowercase().cmp(&b.title.to_lowercase()).then(a.title.cmp(&b.title)).then(a.id.cmp(&b.id))
        });
        let category_by_slug = categories.iter().enumerate().map(|(i, c)| (c.slug.clone(), i)).collect();
        let product_by_slug = products.iter().enumerate().map(|(i, p)| (p.slug.clone(), i)).collect();
        Snapshot {
            categories,
            products,
            values,
            category_by_slug,
            product_by_slug,
            by_newest,
            by_price_asc,
            by_price_desc,
            by_name,
            search,
            mark,
        }
    }
}

/// A position in the change feed: its highest id and its row count. The count catches a change whose
/// id is below the highest one but committed after it was read (PostgreSQL sequences hand out ids
/// before commit), and pruning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromQueryResult)]
pub struct ChangeMark {
    pub last_id: i64,
    pub count: i64,
}

impl ChangeMark {
    pub async fn read(db: &impl ConnectionTrait) -> Result<ChangeMark, AppError> {
        let sql = "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS last_id, COUNT(*) AS count FROM catalog_changes";
        let statement = Statement::from_string(db.get_database_backend(), sql.to_owned());
        Ok(ChangeMark::find_by_statement(statement).one(db).await?.unwrap_or_default())
    }
}

/// Appends to the change feed. Call it in the transaction that changes products, variants, prices or
/// stock (`product_id` None: the whole catalog).
pub async fn record_change(
    db: &impl ConnectionTrait,
    product_id: Option<i32>,
    reason: &str,
) -> Result<(), sea_orm::DbErr> {
    let sql = "INSERT INTO catalog_changes (product_id, reason, created_at) VALUES (?, ?, ?)";
    db.execute_raw(statement(db, sql, [product_id.into(), reason.into(), chrono::Utc::now().into()])).await?;
    Ok(())
}

/// Deletes feed rows older than `before` (nodes poll every second; a day is ample).
pub async fn prune_changes(
    db: &impl ConnectionTrait,
    before: chrono::DateTime<chrono::Utc>,
) -> Result<u64, sea_orm::DbErr> {
    let sql = "DELETE FROM catalog_changes WHERE created_at < ?";
    Ok(db.execute_raw(statement(db, sql, [before.into()])).await?.rows_affected())
}

/// The node's current snapshot. Readers take an `Arc` and never wait for a refresh.
#[derive(Clone)]
pub struct ReadModel {
    current: Arc<RwLock<Arc<Snapshot>>>,
    /// One refresh at a time.
    refreshing: Arc<tokio::sync::Mutex<()>>,
}

impl ReadModel {
    pub async fn load(db: &impl ConnectionTrait) -> Result<ReadModel, AppError> {
        let snapshot = Snapshot::load(db).await?;
        Ok(ReadModel {
            current: Arc::new(RwLock::new(Arc::new(snapshot))),
            refreshing: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        // A poisoned lock still holds a complete snapshot: swaps are a single assignment.
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reloads when the change feed moved since the current snapshot. Returns whether it reloaded.
    pub async fn refresh_if_changed(&self, db: &impl ConnectionTrait) -> Result<bool, AppError> {
        let _guard = self.refreshing.lock().await;
        let mark = ChangeMark::read(db).await?;
        if mark == self.snapshot().mark {
            return Ok(false);
        }
        self.replace(Snapshot::load(db).await?);
        Ok(true)
    }

    /// Reloads now (after a local write, or the `reindex` command).
    pub async fn reload(&self, db: &impl ConnectionTrait) -> Result<(), AppError> {
        let _guard = self.refreshing.lock().await;
        self.replace(Snapshot::load(db).await?);
        Ok(())
    }

    fn replace(&self, snapshot: Snapshot) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snapshot);
    }
}

#[derive(Debug, FromQueryResult)]
struct CategoryRow {
    id: i32,
    parent_id: Option<i32>,
    slug: String,
    name: String,
    description: String,
    position: i32,
}

#[derive(Debug, FromQueryResult)]
struct ProductRow {
    id: i32,
    slug: String,
    title: String,
    brand: String,
    description: String,
    category_id: i32,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
    min_price: i64,
    max_price: i64,
    max_compare: i64,
    in_stock: i32,
}

#[derive(Debug, FromQueryResult)]
struct ValueRow {
    product_id: i32,
    option_name: String,
    value: String,
    position: i32,
    swatch: Option<String>,
}

#[derive(Debug, FromQueryResult)]
struct SkuRow {
    product_id: i32,
    sku: String,
}

#[derive(Debug, FromQueryResult)]
struct ImageRow {
    product_id: i32,
    url: String,
    alt: String,
    width: i32,
    height: i32,
}
