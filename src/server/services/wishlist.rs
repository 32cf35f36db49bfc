//! The wishlist: products a signed-in shopper saved (a heart on cards and product pages), shown with
//! their prices and stock now, and moved to the cart with the cart's stock check. Every function takes
//! the account of the request's session: no one reads or changes another's wishlist.

use std::collections::HashMap;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::error::AppError;
use crate::model::money::Money;
use crate::model::wishlist::{MAX_WISHLIST_ITEMS, WishlistItem, WishlistVariant};
use crate::server::entities::{product, variant, wishlist_item};
use crate::server::services::cart::{self, CartRules};
use crate::server::services::catalog::{self, first_images, variant_labels};

/// The slugs of the products on the shopper's wishlist (the hearts a page shows filled).
pub async fn saved_slugs(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<String>, AppError> {
    let ids = saved_product_ids(db, user_id).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let products = product::Entity::find().filter(product::Column::Id.is_in(ids)).all(db).await?;
    Ok(products.into_iter().map(|p| p.slug).collect())
}

async fn saved_product_ids(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<i32>, sea_orm::DbErr> {
    let rows = wishlist_item::Entity::find()
        .filter(wishlist_item::Column::UserId.eq(user_id))
        .order_by_desc(wishlist_item::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| row.product_id).collect())
}

/// The heart: saves the product (`save`) or takes it off the wishlist. Saving twice keeps one entry;
/// only a product on sale can be saved (NotFound otherwise). Returns whether it is saved now.
pub async fn set(db: &DatabaseConnection, user_id: i32, slug: &str, save: bool) -> Result<bool, AppError> {
    let Some(product) = product::Entity::find().filter(product::Column::Slug.eq(slug)).one(db).await? else {
        return Err(AppError::NotFound);
    };
    let mine = wishlist_item::Entity::find()
        .filter(wishlist_item::Column::UserId.eq(user_id))
        .filter(wishlist_item::Column::ProductId.eq(product.id));
    if !save {
        wishlist_item::Entity::delete_many()
            .filter(wishlist_item::Column::UserId.eq(user_id))
            .filter(wishlist_item::Column::ProductId.eq(product.id))
            .exec(db)
            .await?;
        return Ok(false);
    }
    if product.status != catalog::ACTIVE {
        return Err(AppError::NotFound);
    }
    if mine.one(db).await?.is_some() {
        return Ok(true);
    }
    let count = wishlist_item::Entity::find().filter(wishlist_item::Column::UserId.eq(user_id)).count(db).await?;
    if count as usize >= MAX_WISHLIST_ITEMS {
        let message = format!("Your wishlist is full ({MAX_WISHLIST_ITEMS} products). Remove one first.");
        return Err(AppError::invalid("wishlist", message));
    }
    let row = wishlist_item::ActiveModel {
        user_id: Set(user_id),
        product_id: Set(product.id),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    };
    let once =
        OnConflict::columns([wishlist_item::Column::UserId, wishlist_item::Column::ProductId]).do_nothing().to_owned();
    wishlist_item::Entity::insert(row).on_conflict(once).exec_without_returning(db).await?;
    Ok(true)
}

/// The wishlist, newest first, each product with its variants for sale now (price, stock).
pub async fn list(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<WishlistItem>, AppError> {
    let ids = saved_product_ids(db, user_id).await?;
    let products: HashMap<i32, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let variants = variant::Entity::find()
        .filter(variant::Column::ProductId.is_in(ids.clone()))
        .order_by_asc(variant::Column::Position)
        .all(db)
        .await?;
    let labels = variant_labels(db, &variants.iter().map(|v| v.id).collect::<Vec<_>>()).await?;
    let images = first_images(db, &ids).await?;
    let mut items = Vec::new();
    for id in ids {
        let Some(product) = products.get(&id) else { continue };
        let variants = variants
            .iter()
            .filter(|v| v.product_id == id && catalog::is_sellable(product, v))
            .map(|v| WishlistVariant {
                sku: v.sku.clone(),
                label: labels.get(&v.id).cloned().unwrap_or_default(),
                price: Money::store(v.price),
                stock: v.stock.max(0),
            })
            .collect();
        items.push(WishlistItem {
            slug: product.slug.clone(),
            title: product.title.clone(),
            image: images.get(&id).cloned(),
            variants,
        });
    }
    Ok(items)
}

/// "Move to cart": `sku` (a variant of a product on the wishlist) goes into the cart with the cart's
/// checks (sold, in stock, the line maximum), then leaves the wishlist. `cart`: the shopper's cart, if
/// they have one; else a new one is made theirs, and its id and token are returned (for the cookie).
pub async fn move_to_cart(
    db: &DatabaseConnection,
    user_id: i32,
    slug: &str,
    sku: &str,
    cart: Option<i32>,
    rules: CartRules,
) -> Result<Option<(i32, String)>, AppError> {
    let product = product::Entity::find().filter(product::Column::Slug.eq(slug)).one(db).await?;
    let Some(product) = product else { return Err(AppError::NotFound) };
    let saved = wishlist_item::Entity::find()
        .filter(wishlist_item::Column::UserId.eq(user_id))
        .filter(wishlist_item::Column::ProductId.eq(product.id))
        .one(db)
        .await?;
    if saved.is_none() {
        return Err(AppError::NotFound);
    }
    let chosen = variant::Entity::find()
        .filter(variant::Column::Sku.eq(sku))
        .filter(variant::Column::ProductId.eq(product.id))
        .one(db)
        .await?;
    if chosen.is_none() {
        return Err(AppError::invalid("sku", format!("Choose one of the options of {}.", product.title)));
    }
    let created = match cart {
        Some(cart_id) => {
            cart::add(db, cart_id, sku, 1, rules).await?;
            None
        }
        None => Some(cart::add_to_new(db, Some(user_id), sku, 1, rules).await?),
    };
    set(db, user_id, slug, false).await?;
    Ok(created)
}
