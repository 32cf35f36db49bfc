//! Products as staff change them in the back office: details and status (draft, active, archived),
//! options and their values, variants (SKU, price, compare-at price, for sale or not) and images. Each
//! change is one transaction that also appends to the catalog change feed (so every node's listings,
//! search and product pages show it within the refresh interval) and writes its audit entry. Stock is
//! not written here: a new variant's opening stock goes through `inventory::edit_stock`, the one writer.

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::audit::{self, Actor, Subject};
use super::catalog;
use super::inventory::{self, StockEdit, StockReason};
use super::read_model::record_change;
use super::stock_alerts;
use crate::error::AppError;
use crate::model::catalog::parse_price;
use crate::server::db::is_unique_violation;
use crate::server::entities::{
    category, option_value, product, product_image, product_option, variant, variant_option_value,
};

/// The most options a product has (Size, Color, Material…).
pub const MAX_OPTIONS: usize = 3;
/// The highest price, in minor units ($1,000,000.00).
pub const MAX_PRICE: i64 = 100_000_000;
/// Products per page of the list.
pub const PAGE_SIZE: u64 = 50;

/// Where a product stands: drafts and archived products are hidden from shoppers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductStatus {
    Draft,
    Active,
    Archived,
}

impl ProductStatus {
    pub const ALL: [ProductStatus; 3] = [ProductStatus::Draft, ProductStatus::Active, ProductStatus::Archived];

    /// As the schema stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Draft => "draft",
            ProductStatus::Active => catalog::ACTIVE,
            ProductStatus::Archived => "archived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ProductStatus::Draft => "Draft (hidden)",
            ProductStatus::Active => "Active (on sale)",
            ProductStatus::Archived => "Archived (hidden)",
        }
    }

    pub fn parse(value: &str) -> Option<ProductStatus> {
        ProductStatus::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// A product's details as the form gives them, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductForm {
    pub title: String,
    pub slug: String,
    pub brand: String,
    pub description: String,
    pub category_id: i32,
}

fn text(field: &str, value: &str, label: &str, max: usize, required: bool) -> Result<String, AppError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(AppError::invalid(field, format!("Enter the {label}.")));
    }
    if value.chars().count() > max {
        return Err(AppError::invalid(field, format!("The {label} has at most {max} characters.")));
    }
    Ok(value.to_owned())
}

impl ProductForm {
    /// The form's fields; an empty address is made from the title.
    pub fn parse(
        title: &str,
        slug: &str,
        brand: &str,
        description: &str,
        category: &str,
    ) -> Result<ProductForm, AppError> {
        let title = text("title", title, "title", 120, true)?;
        let slug = match slug.trim() {
            "" => crate::server::seed::slugify(&title),
            typed => typed.to_owned(),
        };
        let fine = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
        if slug.is_empty() || slug.len() > 80 || !slug.bytes().all(fine) || slug.starts_with('-') || slug.ends_with('-')
        {
            return Err(AppError::invalid(
                "slug",
                "The web address is up to 80 lowercase letters, digits and dashes (e.g. linen-shirt).",
            ));
        }
        let brand = text("brand", brand, "brand", 80, true)?;
        let description = text("description", description, "description", 5_000, false)?;
        let category_id =
            category.trim().parse().map_err(|_| AppError::invalid("category", "Pick a category from the list."))?;
        Ok(ProductForm { title, slug, brand, description, category_id })
    }
}

/// A new variant as the form gives it, checked (its option values are checked against the product).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantForm {
    pub sku: String,
    pub price: i64,
    pub compare_at: Option<i64>,
    pub weight_grams: i32,
    pub opening_stock: i32,
    /// One value id per option of the product.
    pub value_ids: Vec<i32>,
}

/// A SKU as staff type it: 1 to 64 letters, digits, dashes, dots or underscores.
pub fn parse_sku(value: &str) -> Result<String, AppError> {
    let value = value.trim();
    let fine = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
    if value.is_empty() || value.len() > 64 || !value.bytes().all(fine) {
        return Err(AppError::invalid("sku", "A SKU is 1 to 64 letters, digits, dashes, dots or underscores."));
    }
    Ok(value.to_owned())
}

/// A price and an optional compare-at price ("25", "25.50"), the compare-at price above the price.
pub fn parse_prices(price: &str, compare_at: &str) -> Result<(i64, Option<i64>), AppError> {
    let price = parse_price(price)
        .filter(|p| (1..=MAX_PRICE).contains(p))
        .ok_or_else(|| AppError::invalid("price", "Price: type an amount like 25 or 25.50 (up to 1,000,000)."))?;
    let compare_at = match compare_at.trim() {
        "" => None,
        typed => Some(parse_price(typed).filter(|c| *c > price && *c <= MAX_PRICE).ok_or_else(|| {
            AppError::invalid("compare_at", "The compare-at price is an amount above the price (or leave it empty).")
        })?),
    };
    Ok((price, compare_at))
}

fn whole_number(field: &str, value: &str, label: &str, max: i32) -> Result<i32, AppError> {
    match value.trim() {
        "" => Ok(0),
        typed => typed
            .parse::<i32>()
            .ok()
            .filter(|n| (0..=max).contains(n))
            .ok_or_else(|| AppError::invalid(field, format!("{label}: a whole number from 0 to {max}."))),
    }
}

impl VariantForm {
    pub fn parse(
        sku: &str,
        price: &str,
        compare_at: &str,
        weight_grams: &str,
        opening_stock: &str,
        value_ids: &[&str],
    ) -> Result<VariantForm, AppError> {
        let sku = parse_sku(sku)?;
        let (price, compare_at) = parse_prices(price, compare_at)?;
        let weight_grams = whole_number("weight", weight_grams, "Weight in grams", 100_000)?;
        let opening_stock = whole_number("stock", opening_stock, "Opening stock", inventory::MAX_STOCK)?;
        let value_ids = value_ids
            .iter()
            .map(|v| v.trim().parse::<i32>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| AppError::invalid("values", "Choose a value for every option."))?;
        Ok(VariantForm { sku, price, compare_at, weight_grams, opening_stock, value_ids })
    }
}

/// A row of the product list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRow {
    pub id: i32,
    pub title: String,
    pub slug: String,
    pub status: String,
    pub variants: usize,
    pub active_variants: usize,
    pub stock: i64,
}

/// One page of products, newest first, whose title, brand or SKU contains `query` (any case); and how
/// many match in all.
pub async fn list(
    db: &impl ConnectionTrait,
    query: &str,
    status: Option<ProductStatus>,
    page: u64,
) -> Result<(Vec<ProductRow>, u64), DbErr> {
    let mut find = product::Entity::find();
    let query = query.trim().to_lowercase();
    if !query.is_empty() {
        let pattern = crate::server::db::containing(&query);
        let by_sku = sea_orm::sea_query::Query::select()
            .column(variant::Column::ProductId)
            .from(variant::Entity)
            .and_where(Expr::expr(Func::lower(Expr::col(variant::Column::Sku))).like(pattern.clone()))
            .to_owned();
        find = find.filter(
            sea_orm::Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(product::Column::Title))).like(pattern.clone()))
                .add(Expr::expr(Func::lower(Expr::col(product::Column::Brand))).like(pattern))
                .add(product::Column::Id.in_subquery(by_sku)),
        );
    }
    if let Some(status) = status {
        find = find.filter(product::Column::Status.eq(status.as_str()));
    }
    let total = find.clone().count(db).await?;
    let products = find
        .order_by_desc(product::Column::Id)
        .offset(page.saturating_sub(1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(db)
        .await?;
    let variants =
        variant::Entity::find().filter(variant::Column::ProductId.is_in(products.iter().map(|p| p.id))).all(db).await?;
    let rows = products
        .into_iter()
        .map(|p| {
            let own: Vec<&variant::Model> = variants.iter().filter(|v| v.product_id == p.id).collect();
            ProductRow {
                id: p.id,
                title: p.title,
                slug: p.slug,
                status: p.status,
                variants: own.len(),
                active_variants: own.iter().filter(|v| v.active).count(),
                stock: own.iter().map(|v| i64::from(v.stock)).sum(),
            }
        })
        .collect();
    Ok((rows, total))
}

/// An option with its values, in order.
#[derive(Debug, Clone)]
pub struct OptionWithValues {
    pub option: product_option::Model,
    pub values: Vec<option_value::Model>,
}

/// Everything the back office shows of one product.
#[derive(Debug, Clone)]
pub struct ProductSheet {
    pub product: product::Model,
    pub options: Vec<OptionWithValues>,
    /// Each variant with its label ("Navy / M"), in position order.
    pub variants: Vec<(variant::Model, String)>,
    pub images: Vec<product_image::Model>,
}

impl ProductSheet {
    /// "Color: Navy" for a value of this product.
    pub fn value_label(&self, value_id: i32) -> Option<String> {
        self.options
            .iter()
            .find_map(|o| o.values.iter().find(|v| v.id == value_id).map(|v| format!("{}: {}", o.option.name, v.value)))
    }
}

pub async fn sheet(db: &impl ConnectionTrait, product_id: i32) -> Result<Option<ProductSheet>, DbErr> {
    let Some(product) = product::Entity::find_by_id(product_id).one(db).await? else { return Ok(None) };
    let (options, values) = catalog::options_of(db, product_id).await?;
    let variants = variant::Entity::find()
        .filter(variant::Column::ProductId.eq(product_id))
        .order_by_asc(variant::Column::Position)
        .order_by_asc(variant::Column::Id)
        .all(db)
        .await?;
    let labels = catalog::variant_labels(db, &variants.iter().map(|v| v.id).collect::<Vec<_>>()).await?;
    let images = product_image::Entity::find()
        .filter(product_image::Column::ProductId.eq(product_id))
        .order_by_asc(product_image::Column::Position)
        .order_by_asc(product_image::Column::Id)
        .all(db)
        .await?;
    Ok(Some(ProductSheet {
        product,
        options: options
            .into_iter()
            .map(|option| {
                let values = values.iter().filter(|v| v.option_id == option.id).cloned().collect();
                OptionWithValues { option, values }
            })
            .collect(),
        variants: variants
            .into_iter()
            .map(|v| {
                let label = labels.get(&v.id).cloned().unwrap_or_default();
                (v, label)
            })
            .collect(),
        images,
    }))
}

pub async fn categories(db: &impl ConnectionTrait) -> Result<Vec<category::Model>, DbErr> {
    category::Entity::find().order_by_asc(category::Column::Position).order_by_asc(category::Column::Name).all(db).await
}

fn details(product: &product::Model) -> serde_json::Value {
    json!({
        "title": product.title, "slug": product.slug, "brand": product.brand,
        "category_id": product.category_id, "status": product.status,
        "description_chars": product.description.chars().count(),
    })
}

/// The change's audit entry and its catalog change, in its transaction.
async fn changed(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    product_id: i32,
    action: &'static str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<(), DbErr> {
    record_change(txn, Some(product_id), "back_office").await?;
    audit::record(txn, actor, audit::Change { action, subject: Subject::Product(product_id), before, after }).await
}

async fn check_form(
    txn: &impl ConnectionTrait,
    form: &ProductForm,
    own_id: Option<i32>,
) -> Result<Option<AppError>, DbErr> {
    if category::Entity::find_by_id(form.category_id).one(txn).await?.is_none() {
        return Ok(Some(AppError::invalid("category", "Pick a category from the list.")));
    }
    let holder = product::Entity::find().filter(product::Column::Slug.eq(&form.slug)).one(txn).await?;
    Ok(holder.filter(|p| Some(p.id) != own_id).map(|_| slug_taken(&form.slug)))
}

fn slug_taken(slug: &str) -> AppError {
    AppError::invalid("slug", format!("Another product already has the web address /p/{slug}."))
}

/// A new product, as a draft (shoppers see it once it has a variant and is published). Answers its id.
pub async fn create(db: &DatabaseConnection, actor: &Actor, form: &ProductForm) -> Result<i32, AppError> {
    crate::write_retry!(db, |txn| {
        if let Some(refused) = check_form(txn, form, None).await? {
            return Ok(Err(refused));
        }
        let now = chrono::Utc::now();
        let inserted = product::ActiveModel {
            slug: Set(form.slug.clone()),
            title: Set(form.title.clone()),
            description: Set(form.description.clone()),
            brand: Set(form.brand.clone()),
            category_id: Set(form.category_id),
            status: Set(ProductStatus::Draft.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await;
        let product = match inserted {
            Ok(product) => product,
            Err(error) if is_unique_violation(&error) => return Ok(Err(slug_taken(&form.slug))),
            Err(error) => return Err(error),
        };
        changed(txn, actor, product.id, "product_created", json!(null), details(&product)).await?;
        Ok(Ok(product.id))
    })
}

/// New details for a product.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    product_id: i32,
    form: &ProductForm,
) -> Result<(), AppError> {
    crate::write_retry!(db, |txn| {
        let Some(before) = product::Entity::find_by_id(product_id).one(txn).await? else {
            return Ok(Err(AppError::NotFound));
        };
        if let Some(refused) = check_form(txn, form, Some(product_id)).await? {
            return Ok(Err(refused));
        }
        let mut row: product::ActiveModel = before.clone().into();
        row.title = Set(form.title.clone());
        row.slug = Set(form.slug.clone());
        row.brand = Set(form.brand.clone());
        row.description = Set(form.description.clone());
        row.category_id = Set(form.category_id);
        row.updated_at = Set(chrono::Utc::now());
        let after = match row.update(txn).await {
            Ok(after) => after,
            Err(error) if is_unique_violation(&error) => return Ok(Err(slug_taken(&form.slug))),
            Err(error) => return Err(error),
        };
        changed(txn, actor, product_id, "product_updated", details(&before), details(&after)).await?;
        Ok(Ok(()))
    })
}

/// Publishes, archives or returns a product to draft. Publishing needs a variant for sale.
pub async fn set_status(
    db: &DatabaseConnection,
    actor: &Actor,
    product_id: i32,
    status: ProductStatus,
) -> Result<(), AppError> {
    crate::write_retry!(db, |txn| {
        let Some(before) = product::Entity::find_by_id(product_id).one(txn).await? else {
            return Ok(Err(AppError::NotFound));
        };
        if before.status == status.as_str() {
            return Ok(Ok(()));
        }
        if status == ProductStatus::Active {
            let for_sale = variant::Entity::find()
                .filter(variant::Column::ProductId.eq(product_id))
                .filter(variant::Column::Active.eq(true))
                .count(txn)
                .await?;
            if for_sale == 0 {
                return Ok(Err(AppError::Conflict("Add a variant for sale before publishing the product.".into())));
            }
        }
        let mut row: product::ActiveModel = before.clone().into();
        row.status = Set(status.as_str().to_owned());
        row.updated_at = Set(chrono::Utc::now());
        row.update(txn).await?;
        let (from, to) = (json!({ "status": before.status }), json!({ "status": status.as_str() }));
        changed(txn, actor, product_id, "product_status", from, to).await?;
        if status == ProductStatus::Active {
            // Shoppers waiting for a variant in stock of a product that was hidden are told now.
            for waiting in in_stock_variants(txn, product_id).await? {
                stock_alerts::announce_restock(txn, waiting).await?;
            }
        }
        Ok(Ok(()))
    })
}

async fn in_stock_variants(txn: &impl ConnectionTrait, product_id: i32) -> Result<Vec<i32>, DbErr> {
    variant::Entity::find()
        .select_only()
        .column(variant::Column::Id)
        .filter(variant::Column::ProductId.eq(product_id))
        .filter(variant::Column::Active.eq(true))
        .filter(variant::Column::Stock.gt(0))
        .into_tuple()
        .all(txn)
        .await
}

/// A new option ("Size") for a product that has no variants yet (each variant takes one value of every
/// option, so options come first).
pub async fn add_option(db: &DatabaseConnection, actor: &Actor, product_id: i32, name: &str) -> Result<(), AppError> {
    let name = text("name", name, "option's name", 40, true)?;
    crate::write_retry!(db, |txn| {
        if product::Entity::find_by_id(product_id).one(txn).await?.is_none() {
            return Ok(Err(AppError::NotFound));
        }
        let options =
            product_option::Entity::find().filter(product_option::Column::ProductId.eq(product_id)).all(txn).await?;
        if options.iter().any(|o| o.name.to_lowercase() == name.to_lowercase()) {
            return Ok(Err(AppError::invalid("name", format!("This product already has the option {name}."))));
        }
        if options.len() >= MAX_OPTIONS {
            return Ok(Err(AppError::Conflict(format!("A product has at most {MAX_OPTIONS} options."))));
        }
        let variants = variant::Entity::find().filter(variant::Column::ProductId.eq(product_id)).count(txn).await?;
        if variants > 0 {
            return Ok(Err(AppError::Conflict(
                "Options are added before variants: this product has variants already.".into(),
            )));
        }
        product_option::ActiveModel {
            product_id: Set(product_id),
            name: Set(name.clone()),
            position: Set(options.len() as i32),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        changed(txn, actor, product_id, "option_added", json!(null), json!({ "option": name })).await?;
        Ok(Ok(()))
    })
}

/// A new value ("XL", or "Navy" with its swatch `#1f2a44`) of one of the product's options.
pub async fn add_value(
    db: &DatabaseConnection,
    actor: &Actor,
    product_id: i32,
    option_id: i32,
    value: &str,
    swatch: &str,
) -> Result<(), AppError> {
    let value = text("value", value, "value", 40, true)?;
    let swatch = match swatch.trim() {
        "" => None,
        typed if typed.len() == 7 && typed.starts_with('#') && typed[1..].bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some(typed.to_ascii_lowercase())
        }
        _ => return Err(AppError::invalid("swatch", "A swatch is a colour like #1f4d3a (or leave it empty).")),
    };
    crate::write_retry!(db, |txn| {
        let option = product_option::Entity::find_by_id(option_id).one(txn).await?;
        let Some(option) = option.filter(|o| o.product_id == product_id) else { return Ok(Err(AppError::NotFound)) };
        let values = option_value::Entity::find().filter(option_value::Column::OptionId.eq(option_id)).all(txn).await?;
        if values.iter().any(|v| v.value.to_lowercase() == value.to_lowercase()) {
            let message = format!("{} already has the value {value}.", option.name);
            return Ok(Err(AppError::invalid("value", message)));
        }
        option_value::ActiveModel {
            option_id: Set(option_id),
            value: Set(value.clone()),
            position: Set(values.len() as i32),
            swatch: Set(swatch.clone()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let after = json!({ "option": option.name, "value": value, "swatch": swatch });
        changed(txn, actor, product_id, "value_added", json!(null), after).await?;
        Ok(Ok(()))
    })
}

/// A new variant: one value of each of the product's options (a combination no other variant has), a SKU
/// no other variant has, its prices, and its opening stock (a ledger row, reason `received`).
pub async fn add_variant(
    db: &DatabaseConnection,
    actor: &Actor,
    product_id: i32,
    form: &VariantForm,
) -> Result<(), AppError> {
    crate::write_retry!(db, |txn| {
        let Some(sheet) = sheet(txn, product_id).await? else { return Ok(Err(AppError::NotFound)) };
        // Exactly one value of every option, in the product's option order.
        let mut chosen = Vec::with_capacity(sheet.options.len());
        for option in &sheet.options {
            let picks: Vec<i32> =
                form.value_ids.iter().copied().filter(|id| option.values.iter().any(|v| v.id == *id)).collect();
            match picks.as_slice() {
                [one] => chosen.push(*one),
                _ => return Ok(Err(AppError::invalid("values", format!("Choose one {}.", option.option.name)))),
            }
        }
        if chosen.len() != form.value_ids.len() {
            return Ok(Err(AppError::invalid("values", "Choose values of this product's options only.")));
        }
        let key = catalog::option_key(&chosen);
        if let Some((_, label)) = sheet.variants.iter().find(|(v, _)| v.option_key == key) {
            let label = if label.is_empty() { "without options" } else { label.as_str() };
            return Ok(Err(AppError::invalid("values", format!("This product already has a variant {label}."))));
        }
        let sku_taken = || AppError::invalid("sku", format!("Another variant already has the SKU {}.", form.sku));
        if variant::Entity::find().filter(variant::Column::Sku.eq(&form.sku)).one(txn).await?.is_some() {
            return Ok(Err(sku_taken()));
        }
        let inserted = variant::ActiveModel {
            product_id: Set(product_id),
            sku: Set(form.sku.clone()),
            option_key: Set(key),
            price: Set(form.price),
            compare_at_price: Set(form.compare_at),
            stock: Set(0),
            active: Set(true),
            position: Set(sheet.variants.len() as i32),
            weight_grams: Set(form.weight_grams),
            ..Default::default()
        }
        .insert(txn)
        .await;
        let created = match inserted {
            Ok(created) => created,
            Err(error) if is_unique_violation(&error) => return Ok(Err(sku_taken())),
            Err(error) => return Err(error),
        };
        for value_id in &chosen {
            variant_option_value::ActiveModel { variant_id: Set(created.id), option_value_id: Set(*value_id) }
                .insert(txn)
                .await?;
        }
        if form.opening_stock > 0 {
            let edit = StockEdit::Adjust(form.opening_stock);
            if let Err(refused) = inventory::edit_stock(txn, &form.sku, edit, StockReason::Received.as_str()).await? {
                return Ok(Err(refused));
            }
        }
        let labels: Vec<String> = chosen.iter().filter_map(|id| sheet.value_label(*id)).collect();
        let after = json!({
            "sku": form.sku, "values": labels, "price": form.price, "compare_at": form.compare_at,
            "stock": form.opening_stock,
        });
        changed(txn, actor, product_id, "variant_added", json!(null), after).await?;
        Ok(Ok(()))
    })
}

/// A variant's price, compare-at price and whether it is for sale. A variant put back on sale with
/// units on hand tells the shoppers waiting for it.
pub async fn update_variant(
    db: &DatabaseConnection,
    actor: &Actor,
    product_id: i32,
    variant_id: i32,
    prices: (i64, Option<i64>),
    active: bool,
) -> Result<(), AppError> {
    crate::write_retry!(db, |txn| {
        let found = inventory::locked(txn, variant::Entity::find_by_id(variant_id)).await?;
        let Some(before) = found.filter(|v| v.product_id == product_id) else { return Ok(Err(AppError::NotFound)) };
        let (price, compare_at) = prices;
        if (before.price, before.compare_at_price, before.active) == (price, compare_at, active) {
            return Ok(Ok(()));
        }
        let mut row: variant::ActiveModel = before.clone().into();
        row.price = Set(price);
        row.compare_at_price = Set(compare_at);
        row.active = Set(active);
        row.update(txn).await?;
        let state =
            |v: (i64, Option<i64>, bool)| json!({ "sku": before.sku, "price": v.0, "compare_at": v.1, "active": v.2 });
        let (from, to) =
            (state((before.price, before.compare_at_price, before.active)), state((price, compare_at, active)));
        changed(txn, actor, product_id, "variant_updated", from, to).await?;
        if active && !before.active && before.stock > 0 {
            stock_alerts::announce_restock(txn, variant_id).await?;
        }
        Ok(Ok(()))
    })
}

/// An uploaded picture of the product, for all its variants or for those with one option value (a
/// colour's pictures follow its variants on the product page). The file is checked and stored first.
pub async fn add_image(
    db: &DatabaseConnection,
    actor: &Actor,
    media_dir: &std::path::Path,
    product_id: i32,
    bytes: &[u8],
    alt: &str,
    value_id: Option<i32>,
) -> Result<(), AppError> {
    let alt = text("alt", alt, "description of the picture", 200, false)?;
    let Some(sheet) = sheet(db, product_id).await? else { return Err(AppError::NotFound) };
    let value_label = match value_id {
        None => None,
        Some(id) => Some(
            sheet.value_label(id).ok_or_else(|| AppError::invalid("value", "Pick one of this product's values."))?,
        ),
    };
    let stored = super::media::store(media_dir, bytes).await?;
    let alt = match (alt.is_empty(), &value_label) {
        (false, _) => alt,
        (true, Some(label)) => format!("{}, {label}", sheet.product.title),
        (true, None) => sheet.product.title.clone(),
    };
    crate::write_retry!(db, |txn| {
        let last = product_image::Entity::find()
            .filter(product_image::Column::ProductId.eq(product_id))
            .order_by_desc(product_image::Column::Position)
            .one(txn)
            .await?;
        product_image::ActiveModel {
            product_id: Set(product_id),
            option_value_id: Set(value_id),
            url: Set(stored.url.clone()),
            alt: Set(alt.clone()),
            width: Set(stored.width),
            height: Set(stored.height),
            position: Set(last.map_or(0, |image| image.position + 1)),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let after = json!({ "url": stored.url, "for": value_label, "alt": alt });
        changed(txn, actor, product_id, "image_added", json!(null), after).await?;
        Ok(Ok(()))
    })
}

/// Takes a picture off the product (the file stays: another product may show the same one). The
/// pictures left are numbered again from 0, so the first is the listing's.
pub async fn remove_image(
    db: &DatabaseConnection,
    actor: &Actor,
    product_id: i32,
    image_id: i32,
) -> Result<(), AppError> {
    crate::write_retry!(db, |txn| {
        let found = product_image::Entity::find_by_id(image_id).one(txn).await?;
        let Some(image) = found.filter(|i| i.product_id == product_id) else { return Ok(Err(AppError::NotFound)) };
        product_image::Entity::delete_by_id(image_id).exec(txn).await?;
        let rest = product_image::Entity::find()
            .filter(product_image::Column::ProductId.eq(product_id))
            .order_by_asc(product_image::Column::Position)
            .order_by_asc(product_image::Column::Id)
            .all(txn)
            .await?;
        for (position, left) in rest.into_iter().enumerate() {
            if left.position != position as i32 {
                let mut row: product_image::ActiveModel = left.into();
                row.position = Set(position as i32);
                row.update(txn).await?;
            }
        }
        changed(txn, actor, product_id, "image_removed", json!({ "url": image.url, "alt": image.alt }), json!(null))
            .await?;
        Ok(Ok(()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_forms_are_checked_and_an_empty_address_comes_from_the_title() {
        let form = ProductForm::parse(" Linen Shirt ", "", "Kestrel", "Cool.", "3").unwrap();
        assert_eq!((form.title.as_str(), form.slug.as_str(), form.category_id), ("Linen Shirt", "linen-shirt", 3));
        let refused = |t: &str, s: &str, b: &str, c: &str| ProductForm::parse(t, s, b, "", c).unwrap_err().to_string();
        assert_eq!(refused(" ", "", "K", "1"), "Enter the title.");
        assert!(refused("Shirt", "Linen Shirt", "K", "1").starts_with("The web address is up to 80"));
        assert!(refused("Shirt", "-shirt", "K", "1").starts_with("The web address"));
        assert_eq!(refused("Shirt", "", "", "1"), "Enter the brand.");
        assert_eq!(refused("Shirt", "", "K", "x"), "Pick a category from the list.");
        assert_eq!(refused(&"a".repeat(121), "", "K", "1"), "The title has at most 120 characters.");
    }

    #[test]
    fn variant_forms_are_checked() {
        let form = VariantForm::parse("LIN-M", "25.50", "30", "200", "", &["4", "9"]).unwrap();
        assert_eq!(
            form,
            VariantForm {
                sku: "LIN-M".into(),
                price: 2550,
                compare_at: Some(3000),
                weight_grams: 200,
                opening_stock: 0,
                value_ids: vec![4, 9],
            }
        );
        let refused = |sku: &str, price: &str, compare: &str, stock: &str| {
            VariantForm::parse(sku, price, compare, "0", stock, &[]).unwrap_err().to_string()
        };
        assert!(refused("LIN M", "25", "", "").starts_with("A SKU is"));
        assert!(refused("LIN", "0", "", "").starts_with("Price:"));
        assert!(refused("LIN", "-3", "", "").starts_with("Price:"));
        assert!(refused("LIN", "25", "20", "").starts_with("The compare-at price"));
        assert!(refused("LIN", "25", "", "-1").starts_with("Opening stock"));
        assert!(refused("LIN", "25", "", "1.5").starts_with("Opening stock"));
        assert_eq!(
            VariantForm::parse("LIN", "25", "", "0", "", &["x"]).unwrap_err().to_string(),
            "Choose a value for every option."
        );
    }

    #[test]
    fn statuses_round_trip() {
        for status in ProductStatus::ALL {
            assert_eq!(ProductStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ProductStatus::parse("deleted"), None);
    }
}
