//! Product listings: filters, facet counts, sorting and pagination in a fixed number of queries
//! (at most seven, whatever the page size or catalog size: no N+1).

use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Statement, Value};

use crate::error::AppError;
use crate::model::catalog::{
    CategoryInfo, Facet, FacetKey, FacetValue, Image, Listing, ListingQuery, PAGE_SIZE, ProductCard, Sort,
};
use crate::model::money::Money;

/// Per product, over its active variants: price range, sale, stock.
const VARIANT_SUMMARY: &str = "WITH pv AS (SELECT product_id, MIN(price) AS min_price, MAX(price) AS max_price, \
     MAX(COALESCE(compare_at_price, 0)) AS max_compare, MAX(CASE WHEN stock > 0 THEN 1 ELSE 0 END) AS in_stock \
     FROM variants WHERE active = TRUE GROUP BY product_id) ";

/// SQL text with its bound values, written once for both backends' placeholder styles.
struct Sql {
    backend: DatabaseBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new(backend: DatabaseBackend, text: &str) -> Sql {
        Sql { backend, text: text.to_owned(), values: Vec::new() }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        if self.backend == DatabaseBackend::Postgres {
            let n = self.values.len();
            self.text.push_str(&format!("${n}"));
        } else {
            self.text.push('?');
        }
        self
    }

    /// `(?, ?, ?)` for an IN list.
    fn bind_list<V: Into<Value> + Clone>(&mut self, values: &[V]) -> &mut Self {
        self.push("(");
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value.clone());
        }
        self.push(")")
    }

    fn statement(&self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text.clone(), self.values.clone())
    }
}

#[derive(Debug, FromQueryResult)]
struct CategoryRow {
    id: i32,
    slug: String,
    name: String,
    description: String,
}

#[derive(Debug, FromQueryResult)]
struct CountRow {
    total: i64,
}

#[derive(Debug, FromQueryResult)]
struct CardRow {
    id: i32,
    slug: String,
    title: String,
    brand: String,
    min_price: i64,
    max_price: i64,
    max_compare: i64,
    in_stock: i32,
}

#[derive(Debug, FromQueryResult)]
struct FacetRow {
    value: String,
    label: String,
    swatch: Option<String>,
    total: i64,
}

#[derive(Debug, FromQueryResult)]
struct ImageRow {
    product_id: i32,
    url: String,
    alt: String,
    width: i32,
    height: i32,
}

/// A listing of active products. With `category_in_path`, an unknown category is NotFound; as a filter
/// parameter it is ignored, like any other malformed filter.
#[tracing::instrument(skip(db))]
pub async fn list_products(
    db: &impl ConnectionTrait,
    mut query: ListingQuery,
    category_in_path: bool,
) -> Result<Listing, AppError> {
    let backend = db.get_database_backend();
    let category = match &query.category {
        Some(slug) => find_category(db, slug).await?,
        None => None,
    };
    if category.is_none() {
        if category_in_path {
            return Err(AppError::NotFound);
        }
        query.category = None;
    }
    let category_id = category.as_ref().map(|c| c.id);

    let mut count = Sql::new(backend, VARIANT_SUMMARY);
    count.push("SELECT COUNT(*) AS total FROM products p JOIN pv ON pv.product_id = p.id");
    filters(&mut count, &query, category_id, None);
    let total = CountRow::find_by_statement(count.statement()).one(db).await?.map_or(0, |r| r.total.max(0) as u64);
    let pages = total.div_ceil(PAGE_SIZE as u64).max(1) as u32;
    query.page = query.page.clamp(1, pages);

    let mut page = Sql::new(backend, VARIANT_SUMMARY);
    page.push(
        "SELECT p.id, p.slug, p.title, p.brand, pv.min_price, pv.max_price, pv.max_compare, pv.in_stock \
         FROM products p JOIN pv ON pv.product_id = p.id",
    );
    filters(&mut page, &query, category_id, None);
    page.push(match query.sort {
        Sort::Newest => " ORDER BY p.created_at DESC, p.id DESC",
        Sort::PriceAsc => " ORDER BY pv.min_price ASC, p.id ASC",
        Sort::PriceDesc => " ORDER BY pv.min_price DESC, p.id ASC",
        Sort::Name => " ORDER BY p.title ASC, p.id ASC",
    });
    page.push(" LIMIT ").bind(PAGE_SIZE as i64).push(" OFFSET ").bind(((query.page - 1) * PAGE_SIZE) as i64);
    let rows = CardRow::find_by_statement(page.statement()).all(db).await?;
    let images = first_images(db, &rows.iter().map(|r| r.id).collect::<Vec<_>>()).await?;

    let mut facets = Vec::new();
    if !category_in_path {
        facets.push(category_facet(db, &query, category_id).await?);
    }
    facets.push(option_facet(db, &query, category_id, FacetKey::Size).await?);
    facets.push(option_facet(db, &query, category_id, FacetKey::Color).await?);
    facets.retain(|f| !f.values.is_empty());

    let cards = rows.into_iter().map(|row| card(row, &images)).collect();
    let category = category.map(|c| CategoryInfo { slug: c.slug, name: c.name, description: c.description });
    Ok(Listing { category, query, cards, total, pages, facets })
}

async fn find_category(db: &impl ConnectionTrait, slug: &str) -> Result<Option<CategoryRow>, AppError> {
    let mut sql =
        Sql::new(db.get_database_backend(), "SELECT id, slug, name, description FROM categories WHERE slug = ");
    sql.bind(slug.to_owned());
    Ok(CategoryRow::find_by_statement(sql.statement()).one(db).await?)
}

/// The WHERE clause for the query's filters, leaving out one facet's own filter when counting that facet.
fn filters(sql: &mut Sql, query: &ListingQuery, category_id: Option<i32>, except: Option<FacetKey>) {
    sql.push(" WHERE p.status = 'active'");
    if let (Some(id), false) = (category_id, except == Some(FacetKey::Category)) {
        sql.push(" AND p.category_id = ").bind(id);
    }
    if query.in_stock {
        sql.push(" AND pv.in_stock = 1");
    }
    if let Some(min) = query.min_price {
        sql.push(" AND pv.max_price >= ").bind(min);
    }
    if let Some(max) = query.max_price {
        sql.push(" AND pv.min_price <= ").bind(max);
    }
    for (key, option, values) in [(FacetKey::Size, "Size", &query.sizes), (FacetKey::Color, "Color", &query.colors)] {
        if values.is_empty() || except == Some(key) {
            continue;
        }
        sql.push(
            " AND EXISTS (SELECT 1 FROM variants v JOIN variant_option_values x ON x.variant_id = v.id \
             JOIN option_values ov ON ov.id = x.option_value_id JOIN product_options po ON po.id = ov.option_id \
             WHERE v.product_id = p.id AND v.active = TRUE AND po.name = ",
        )
        .bind(option.to_owned())
        .push(" AND ov.value IN ")
        .bind_list(values)
        .push(")");
    }
}

async fn option_facet(
    db: &impl ConnectionTrait,
    query: &ListingQuery,
    category_id: Option<i32>,
    key: FacetKey,
) -> Result<Facet, AppError> {
    let (option, selected, label) = match key {
        FacetKey::Size => ("Size", &query.sizes, "Size"),
        _ => ("Color", &query.colors, "Color"),
    };
    let mut sql = Sql::new(db.get_database_backend(), VARIANT_SUMMARY);
    sql.push(
        "SELECT ov.value AS value, ov.value AS label, MIN(ov.swatch) AS swatch, COUNT(DISTINCT p.id) AS total \
         FROM products p JOIN pv ON pv.product_id = p.id JOIN product_options po ON po.product_id = p.id AND po.name = ",
    )
    .bind(option.to_owned())
    .push(" JOIN option_values ov ON ov.option_id = po.id");
    filters(&mut sql, query, category_id, Some(key));
    sql.push(" GROUP BY ov.value ORDER BY MIN(ov.position), ov.value");
    let rows = FacetRow::find_by_statement(sql.statement()).all(db).await?;
    let mut values = facet_values(rows, selected);
    if key == FacetKey::Size {
        values.sort_by_key(|v| size_rank(&v.value));
    }
    Ok(Facet { key, label: label.to_owned(), values })
}

async fn category_facet(
    db: &impl ConnectionTrait,
    query: &ListingQuery,
    category_id: Option<i32>,
) -> Result<Facet, AppError> {
    let mut sql = Sql::new(db.get_database_backend(), VARIANT_SUMMARY);
    sql.push(
        "SELECT c.slug AS value, c.name AS label, NULL AS swatch, COUNT(*) AS total \
         FROM products p JOIN pv ON pv.product_id = p.id JOIN categories c ON c.id = p.category_id",
    );
    filters(&mut sql, query, category_id, Some(FacetKey::Category));
    sql.push(" GROUP BY c.slug, c.name ORDER BY MIN(c.position), c.name");
    let rows = FacetRow::find_by_statement(sql.statement()).all(db).await?;
    let selected: Vec<String> = query.category.iter().cloned().collect();
    Ok(Facet { key: FacetKey::Category, label: "Category".into(), values: facet_values(rows, &selected) })
}

fn facet_values(rows: Vec<FacetRow>, selected: &[String]) -> Vec<FacetValue> {
    rows.into_iter()
        .map(|row| FacetValue {
            selected: selected.contains(&row.value),
            count: row.total.max(0) as u64,
            value: row.value,
            label: row.label,
            swatch: row.swatch,
        })
        .collect()
}

/// Clothing sizes in wearing order, numeric sizes by number, anything else after.
fn size_rank(size: &str) -> (u32, u32, String) {
    const ORDER: [&str; 9] = ["XXS", "XS", "S", "S/M", "M", "L", "L/XL", "XL", "XXL"];
    if let Some(i) = ORDER.iter().position(|s| *s == size) {
        return (0, i as u32, String::new());
    }
    match size.parse::<u32>() {
        Ok(n) => (1, n, String::new()),
        Err(_) => (2, 0, size.to_owned()),
    }
}

/// The first image of each product (for colour products, the first colour's front view).
async fn first_images(db: &impl ConnectionTrait, product_ids: &[i32]) -> Result<Vec<ImageRow>, AppError> {
    if product_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        db.get_database_backend(),
        "SELECT product_id, url, alt, width, height FROM product_images WHERE position = 0 AND product_id IN ",
    );
    sql.bind_list(product_ids).push(" ORDER BY product_id, id");
    Ok(ImageRow::find_by_statement(sql.statement()).all(db).await?)
}

fn card(row: CardRow, images: &[ImageRow]) -> ProductCard {
    let image = images.iter().find(|i| i.product_id == row.id).map(|i| Image {
        url: i.url.clone(),
        alt: i.alt.clone(),
        width: i.width,
        height: i.height,
    });
    ProductCard {
        slug: row.slug,
        title: row.title,
        brand: row.brand,
        image,
        min_price: Money::store(row.min_price),
        max_price: Money::store(row.max_price),
        compare_at: (row.max_compare > row.min_price).then(|| Money::store(row.max_compare)),
        sold_out: row.in_stock == 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_sort_in_wearing_order() {
        let mut sizes = vec!["XL", "S", "42", "M", "XS", "38", "L/XL", "S/M"];
        sizes.sort_by_key(|s| size_rank(s));
        assert_eq!(sizes, vec!["XS", "S", "S/M", "M", "L/XL", "XL", "38", "42"]);
    }
}
