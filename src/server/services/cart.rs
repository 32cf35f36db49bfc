//! The cart: server-side, found by a random cookie token. Every change checks stock in a write
//! transaction: a line never holds more than is on hand, and the refusal says how many are left.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::error::AppError;
use crate::model::cart::{Cart, CartLine};
use crate::model::money::Money;
use crate::server::entities::{cart, cart_line, product, variant};
use crate::server::services::catalog::{self, first_images, variant_labels};

/// How many units of one variant a cart line may hold (STORE_CART_MAX_QUANTITY).
#[derive(Debug, Clone, Copy)]
pub struct CartRules {
    pub max_quantity: i32,
}

impl CartRules {
    /// Refuses a quantity outside `least..=max_quantity` before anything is read.
    fn check(self, quantity: i32, least: i32) -> Result<(), AppError> {
        if (least..=self.max_quantity).contains(&quantity) {
            return Ok(());
        }
        Err(AppError::invalid("quantity", format!("Choose a quantity from {least} to {}.", self.max_quantity)))
    }
}

impl Default for CartRules {
    fn default() -> Self {
        CartRules { max_quantity: crate::model::cart::MAX_LINE_QUANTITY }
    }
}

/// A new random cart token: 128 bits from the OS-seeded CSPRNG, as 32 hex characters.
pub fn new_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Whether a cookie value looks like one of our tokens (anything else is ignored, never looked up).
pub fn is_token(value: &str) -> bool {
    value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// The cart for a cookie token, if there is one.
pub async fn find(db: &impl ConnectionTrait, token: &str) -> Result<Option<i32>, AppError> {
    if !is_token(token) {
        return Ok(None);
    }
    Ok(cart::Entity::find().filter(cart::Column::Token.eq(token)).one(db).await?.map(|c| c.id))
}

/// A new, empty cart. Returns its id and token (for the cookie).
pub async fn create(db: &impl ConnectionTrait) -> Result<(i32, String), AppError> {
    let token = new_token();
    Ok((insert_cart(db, &token, None).await?, token))
}

/// A new cart row; `owner` is the signed-in shopper's account (their cart follows them to other devices
/// and joins a guest cart at their next sign-in), None for a guest.
async fn insert_cart(db: &impl ConnectionTrait, token: &str, owner: Option<i32>) -> Result<i32, sea_orm::DbErr> {
    let now = chrono::Utc::now();
    let created = cart::ActiveModel {
        token: Set(token.to_owned()),
        user_id: Set(owner),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(created.id)
}

fn stock_message(stock: i32) -> String {
    match stock {
        0 => "Sorry, this item is sold out.".to_owned(),
        1 => "Only 1 left in stock.".to_owned(),
        n => format!("Only {n} left in stock."),
    }
}

/// Adds `quantity` units of `sku` (to an existing line if there is one).
pub async fn add(
    db: &DatabaseConnection,
    cart_id: i32,
    sku: &str,
    quantity: i32,
    rules: CartRules,
) -> Result<(), AppError> {
    rules.check(quantity, 1)?;
    crate::write_retry!(db, |txn| {
        Ok(add_line(txn, Target::Existing(cart_id), sku, quantity, rules).await?.map(|_| ()))
    })
}

/// Adds the first line of a new cart: the cart is created in the same transaction, only once the line
/// passed every check, so a refused request (unknown item, bad quantity, no stock) leaves no cart row
/// behind. `owner`: the signed-in shopper's account, None for a guest. Returns the new cart's id and
/// token (for the cookie).
pub async fn add_to_new(
    db: &DatabaseConnection,
    owner: Option<i32>,
    sku: &str,
    quantity: i32,
    rules: CartRules,
) -> Result<(i32, String), AppError> {
    rules.check(quantity, 1)?;
    let token = new_token();
    let cart_id =
        crate::write_retry!(db, |txn| { add_line(txn, Target::New(&token, owner), sku, quantity, rules).await })?;
    Ok((cart_id, token))
}

/// The cart a line goes into: an existing one, or one to create (with this token) once the line passed.
#[derive(Clone, Copy)]
enum Target<'a> {
    Existing(i32),
    /// The token and the owner (a signed-in shopper's account) of the cart to create.
    New(&'a str, Option<i32>),
}

/// The checks and the write of an added line, in the caller's transaction; returns the cart's id.
async fn add_line(
    txn: &sea_orm::DatabaseTransaction,
    target: Target<'_>,
    sku: &str,
    quantity: i32,
    rules: CartRules,
) -> Result<Result<i32, AppError>, sea_orm::DbErr> {
    if let Target::Existing(cart_id) = target {
        lock_cart(txn, cart_id).await?;
    }
    let (variant, _) = match catalog::sellable_by_sku(txn, sku).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let line = match target {
        Target::Existing(cart_id) => {
            cart_line::Entity::find()
                .filter(cart_line::Column::CartId.eq(cart_id))
                .filter(cart_line::Column::VariantId.eq(variant.id))
                .one(txn)
                .await?
        }
        Target::New(..) => None,
    };
    let wanted = line.as_ref().map_or(0, |l| l.quantity) + quantity;
    if wanted > rules.max_quantity {
        let message = format!("You can have up to {} of one item in your cart.", rules.max_quantity);
        return Ok(Err(AppError::invalid("quantity", message)));
    }
    if wanted > variant.stock {
        let have = line.as_ref().map_or(0, |l| l.quantity);
        let message = if have > 0 && variant.stock > 0 {
            format!("{} You already have {have} in your cart.", stock_message(variant.stock))
        } else {
            stock_message(variant.stock)
        };
        return Ok(Err(AppError::invalid("quantity", message)));
    }
    let cart_id = match target {
        Target::Existing(id) => id,
        Target::New(token, owner) => insert_cart(txn, token, owner).await?,
    };
    match line {
        Some(line) => {
            let mut line: cart_line::ActiveModel = line.into();
            line.quantity = Set(wanted);
            line.seen_price = Set(variant.price);
            line.update(txn).await?;
        }
        None => {
            cart_line::ActiveModel {
                cart_id: Set(cart_id),
                variant_id: Set(variant.id),
                quantity: Set(wanted),
                seen_price: Set(variant.price),
                created_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
    }
    touch(txn, cart_id).await?;
    Ok(Ok(cart_id))
}

/// Sets a line's quantity; 0 removes the line.
pub async fn set_quantity(
    db: &DatabaseConnection,
    cart_id: i32,
    sku: &str,
    quantity: i32,
    rules: CartRules,
) -> Result<(), AppError> {
    rules.check(quantity, 0)?;
    crate::write_retry!(db, |txn| {
        lock_cart(txn, cart_id).await?;
        let Some(variant) = variant::Entity::find().filter(variant::Column::Sku.eq(sku)).one(txn).await? else {
            return Ok(Err(AppError::invalid("sku", "That item is not in your cart.")));
        };
        let Some(line) = cart_line::Entity::find()
            .filter(cart_line::Column::CartId.eq(cart_id))
            .filter(cart_line::Column::VariantId.eq(variant.id))
            .one(txn)
            .await?
        else {
            return Ok(Err(AppError::invalid("sku", "That item is not in your cart.")));
        };
        if quantity == 0 {
            cart_line::Entity::delete_by_id(line.id).exec(txn).await?;
        } else {
            if quantity > line.quantity && quantity > variant.stock {
                return Ok(Err(AppError::invalid("quantity", stock_message(variant.stock))));
            }
            let mut line: cart_line::ActiveModel = line.into();
            line.quantity = Set(quantity);
            line.seen_price = Set(variant.price);
            line.update(txn).await?;
        }
        touch(txn, cart_id).await?;
        Ok(Ok(()))
    })
}

/// Moves a guest cart's lines into another cart (at sign-in: the cookie's cart into the shopper's
/// own). Quantities of the same item add up, capped at the stock on hand and the line maximum; items no
/// longer sold are dropped; prices are re-read, and a line whose price is not the one the shopper saw
/// is named with its price now (the line then counts as seen at that price). The guest cart is deleted.
/// Returns what the shopper should be told (capped, dropped and re-priced lines).
pub async fn merge(db: &DatabaseConnection, from: i32, into: i32, rules: CartRules) -> Result<Vec<String>, AppError> {
    if from == into {
        return Ok(Vec::new());
    }
    crate::write_retry!(db, |txn| {
        // Both carts locked, lower id first (two merges never wait on each other in a circle).
        for id in [from.min(into), from.max(into)] {
            lock_cart(txn, id).await?;
        }
        let mut notices = Vec::new();
        let incoming = cart_line::Entity::find()
            .filter(cart_line::Column::CartId.eq(from))
            .order_by_asc(cart_line::Column::Id)
            .all(txn)
            .await?;
        let labels = variant_labels(txn, &incoming.iter().map(|line| line.variant_id).collect::<Vec<_>>()).await?;
        for line in incoming {
            let found =
                variant::Entity::find_by_id(line.variant_id).find_also_related(product::Entity).one(txn).await?;
            let Some((variant, Some(product))) = found else { continue };
            let name = item_name(&product.title, labels.get(&variant.id).map_or("", String::as_str));
            if !catalog::is_sellable(&product, &variant) || variant.stock == 0 {
                notices.push(format!("{name} is no longer available and was not added to your cart."));
                continue;
            }
            let existing = cart_line::Entity::find()
                .filter(cart_line::Column::CartId.eq(into))
                .filter(cart_line::Column::VariantId.eq(variant.id))
                .one(txn)
                .await?;
            let wanted = existing.as_ref().map_or(0, |l| l.quantity) + line.quantity;
            let quantity = wanted.min(variant.stock).min(rules.max_quantity);
            if quantity < wanted {
                notices.push(format!("Only {quantity} of {name} could stay in your cart."));
            }
            let seen_elsewhere = existing.as_ref().is_some_and(|l| l.seen_price != variant.price);
            if line.seen_price != variant.price || seen_elsewhere {
                notices.push(format!("{name} is now {}.", Money::store(variant.price).format()));
            }
            match existing {
                Some(existing) => {
                    let mut existing: cart_line::ActiveModel = existing.into();
                    existing.quantity = Set(quantity);
                    existing.seen_price = Set(variant.price);
                    existing.update(txn).await?;
                }
                None => {
                    cart_line::ActiveModel {
                        cart_id: Set(into),
                        variant_id: Set(variant.id),
                        quantity: Set(quantity),
                        seen_price: Set(variant.price),
                        created_at: Set(line.created_at),
                        ..Default::default()
                    }
                    .insert(txn)
                    .await?;
                }
            }
        }
        cart::Entity::delete_by_id(from).exec(txn).await?;
        touch(txn, into).await?;
        Ok(Ok(notices))
    })
}

/// How a notice names a cart line: "Trail Hoodie (Navy / M)", or the title alone for a product
/// without options.
fn item_name(title: &str, label: &str) -> String {
    if label.is_empty() { title.to_owned() } else { format!("{title} ({label})") }
}

/// At sign-in, the cart of the shopper's cookie (a guest cart) and the account's own cart become one:
/// with both, the guest's lines move into the account's cart (`merge`: capped at stock and the line
/// maximum) and the shopper is told what was added and what changed, at the next view of the cart;
/// with only the guest cart, it becomes the account's. Returns the cart to keep (id, token), if any. A
/// cart of another account is never taken.
pub async fn claim_at_sign_in(
    db: &DatabaseConnection,
    guest: Option<i32>,
    user_id: i32,
    rules: CartRules,
) -> Result<Option<(i32, String)>, AppError> {
    let own = cart::Entity::find()
        .filter(cart::Column::UserId.eq(user_id))
        .order_by_desc(cart::Column::UpdatedAt)
        .one(db)
        .await?;
    let guest = match guest {
        Some(id) => cart::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let guest = guest.filter(|cart| cart.user_id.is_none() || cart.user_id == Some(user_id));
    match (guest, own) {
        (Some(guest), Some(own)) if guest.id != own.id => {
            let lines = cart_line::Entity::find().filter(cart_line::Column::CartId.eq(guest.id)).all(db).await?;
            let units: i32 = lines.iter().map(|line| line.quantity).sum();
            let mut notices = merge(db, guest.id, own.id, rules).await?;
            if units > 0 {
                let items = if units == 1 { "1 item".to_owned() } else { format!("{units} items") };
                let were = if units == 1 { "was" } else { "were" };
                notices.insert(0, format!("{items} from before you signed in {were} added to your cart."));
            }
            cart::Entity::update_many()
                .col_expr(cart::Column::Notices, sea_orm::sea_query::Expr::value(notices.join("\n")))
                .filter(cart::Column::Id.eq(own.id))
                .exec(db)
                .await?;
            Ok(Some((own.id, own.token)))
        }
        (Some(guest), _) => {
            cart::Entity::update_many()
                .col_expr(cart::Column::UserId, sea_orm::sea_query::Expr::value(user_id))
                .filter(cart::Column::Id.eq(guest.id))
                .exec(db)
                .await?;
            Ok(Some((guest.id, guest.token)))
        }
        (None, Some(own)) => Ok(Some((own.id, own.token))),
        (None, None) => Ok(None),
    }
}

/// Serializes writers of one cart on PostgreSQL (two quick "Add" clicks both inserting the same line,
/// or both reading the same quantity). SQLite's IMMEDIATE transactions already run one writer at a time.
async fn lock_cart(db: &impl ConnectionTrait, cart_id: i32) -> Result<(), sea_orm::DbErr> {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        let sql = "SELECT id FROM carts WHERE id = $1 FOR UPDATE";
        db.query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            sql,
            [cart_id.into()],
        ))
        .await?;
    }
    Ok(())
}

async fn touch(db: &impl ConnectionTrait, cart_id: i32) -> Result<(), sea_orm::DbErr> {
    cart::Entity::update_many()
        .col_expr(cart::Column::UpdatedAt, sea_orm::sea_query::Expr::value(chrono::Utc::now()))
        .filter(cart::Column::Id.eq(cart_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The cart as it stands now, revalidated: lines whose item is no longer sold are removed, quantities
/// above the stock on hand are lowered to it, and price changes since the shopper last saw a line are
/// reported (once: the new price becomes the seen one). Reads only, unless something changed.
pub async fn view(db: &DatabaseConnection, cart_id: i32) -> Result<Cart, AppError> {
    let (cart, stale) = load(db, cart_id, false).await?;
    if !stale {
        return Ok(cart);
    }
    crate::write_retry!(db, |txn| {
        lock_cart(txn, cart_id).await?;
        Ok(Ok(load(txn, cart_id, true).await?.0))
    })
}

/// The cart, and whether it needs revalidation writes (made only when `apply`).
async fn load(db: &impl ConnectionTrait, cart_id: i32, apply: bool) -> Result<(Cart, bool), sea_orm::DbErr> {
    let txn = db;
    let mut stale = false;
    let lines = cart_line::Entity::find()
        .filter(cart_line::Column::CartId.eq(cart_id))
        .order_by_asc(cart_line::Column::Id)
        .find_also_related(variant::Entity)
        .all(txn)
        .await?;
    let variant_ids: Vec<i32> = lines.iter().map(|(l, _)| l.variant_id).collect();
    let product_ids: Vec<i32> = lines.iter().filter_map(|(_, v)| v.as_ref().map(|v| v.product_id)).collect();
    let products: HashMap<i32, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(product_ids.clone()))
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let labels = variant_labels(txn, &variant_ids).await?;
    let images = first_images(txn, &product_ids).await?;

    let mut cart = Cart::default();
    // What the shopper is still to be told (a merge at sign-in), once.
    let pending = cart::Entity::find_by_id(cart_id).one(txn).await?.map(|c| c.notices).unwrap_or_default();
    if !pending.is_empty() {
        cart.notices.extend(pending.lines().map(str::to_owned));
        stale = true;
        if apply {
            cart::Entity::update_many()
                .col_expr(cart::Column::Notices, sea_orm::sea_query::Expr::value(""))
                .filter(cart::Column::Id.eq(cart_id))
                .exec(txn)
                .await?;
        }
    }
    let mut subtotal = 0i64;
    for (line, variant) in lines {
        let product = variant.as_ref().and_then(|v| products.get(&v.product_id));
        let (Some(variant), Some(product)) = (variant, product) else { continue };
        if !catalog::is_sellable(product, &variant) || variant.stock == 0 {
            let why = if variant.stock == 0 && variant.active { "sold out" } else { "no longer sold" };
            cart.notices.push(format!("{} is {why} and was removed from your cart.", product.title));
            stale = true;
            if apply {
                cart_line::Entity::delete_by_id(line.id).exec(txn).await?;
            }
            continue;
        }
        let mut quantity = line.quantity;
        let mut changed: cart_line::ActiveModel = line.clone().into();
        if quantity > variant.stock {
            cart.notices.push(format!(
                "Only {} of {} left: your quantity is now {}.",
                variant.stock, product.title, variant.stock
            ));
            quantity = variant.stock;
            changed.quantity = Set(quantity);
        }
        if line.seen_price != variant.price {
            cart.notices.push(format!(
                "The price of {} changed from {} to {}.",
                product.title,
                Money::store(line.seen_price).format(),
                Money::store(variant.price).format()
            ));
            changed.seen_price = Set(variant.price);
        }
        if changed.is_changed() {
            stale = true;
            if apply {
                changed.update(txn).await?;
            }
        }
        subtotal += variant.price * quantity as i64;
        cart.count += quantity;
        cart.lines.push(CartLine {
            sku: variant.sku.clone(),
            slug: product.slug.clone(),
            title: product.title.clone(),
            variant_label: labels.get(&variant.id).cloned().unwrap_or_default(),
            image: images.get(&product.id).cloned(),
            unit_price: Money::store(variant.price),
            quantity,
            line_total: Money::store(variant.price * quantity as i64),
            available: variant.stock,
        });
    }
    cart.subtotal = (!cart.lines.is_empty()).then(|| Money::store(subtotal));
    Ok((cart, stale))
}

/// Deletes carts nobody touched since `before` (their lines go with them). Returns how many.
pub async fn delete_idle(db: &impl ConnectionTrait, before: chrono::DateTime<chrono::Utc>) -> Result<u64, AppError> {
    let deleted = cart::Entity::delete_many().filter(cart::Column::UpdatedAt.lt(before)).exec(db).await?;
    Ok(deleted.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_128_bit_hex_and_other_cookies_are_ignored() {
        let a = new_token();
        assert!(is_token(&a));
        assert_ne!(a, new_token());
        assert!(!is_token("1234"));
        assert!(!is_token(&"Z".repeat(32)));
        assert!(!is_token("' OR 1=1 --aaaaaaaaaaaaaaaaaaaaaa"));
    }
}
