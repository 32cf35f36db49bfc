//! Order placement: one transaction takes the stock of every line with a conditional UPDATE (never
//! below zero, whatever runs at the same time), writes the order, its lines and the inventory ledger,
//! empties the cart and completes the idempotency key (see [`super::idempotency`]) — or changes nothing.

use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};

use super::idempotency::{self, Claim, Owned};
use super::lifecycle;
use crate::error::{AppError, FieldErrors};
use crate::model::account::Email;
use crate::model::checkout::Address;
use crate::model::money::{Money, STORE_CURRENCY};
use crate::server::config::CheckoutRules;
use crate::server::entities::{cart, cart_line, order, order_line, product, variant};
use crate::server::services::catalog;
use crate::server::services::checkout::{self, validate_address};
use crate::server::services::inventory::{self, Movement, Sellable};
use crate::server::services::pricing::{self, PricedLine, ShippingRate};

/// What the shopper submits on the review page (the details entered in the earlier steps, and the
/// total the page showed).
#[derive(Debug, Clone)]
pub struct Checkout {
    pub email: String,
    pub address: Address,
    pub shipping_method: String,
    /// Empty for none.
    pub promo_code: String,
    /// The total the review page showed (minor units): if the order would cost anything else now, it
    /// is refused so the shopper sees the new total first.
    pub expected_total: Option<i64>,
    /// One per checkout attempt (the review page's hidden field).
    pub idempotency_key: String,
    /// The signed-in shopper's account: the order is theirs (their order history lists it).
    pub account: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub order_id: i32,
    pub token: String,
    /// True when this answer repeats an earlier request's order.
    pub replayed: bool,
}

/// The details checked and tidied, ready to be written.
struct Valid<'a> {
    email: String,
    address_json: String,
    rate: &'a ShippingRate,
    tax_basis_points: i64,
    promo_code: String,
}

fn validate<'a>(checkout: &Checkout, rules: &'a CheckoutRules) -> Result<Valid<'a>, AppError> {
    let key = checkout.idempotency_key.trim();
    if key.is_empty() || key.len() > idempotency::MAX_KEY_LEN {
        return Err(AppError::invalid("idempotency_key", "This checkout page has expired. Please reload it."));
    }
    let email = Email::parse(&checkout.email)?.into_string();
    let address = validate_address(&checkout.address).map_err(AppError::Validation)?;
    let rate = rules
        .rate(&checkout.shipping_method)
        .ok_or_else(|| AppError::invalid("method", "Choose one of the shipping methods shown."))?;
    let address_json = serde_json::to_string(&address).map_err(|e| AppError::internal(&e))?;
    Ok(Valid {
        email,
        tax_basis_points: rules.tax_basis_points(&address.country, &address.region),
        address_json,
        rate,
        promo_code: checkout::promo_code(&checkout.promo_code),
    })
}

/// Places the order `checkout` describes, once per idempotency key (see [`or_placed_before`]).
pub async fn place_order(
    db: &DatabaseConnection,
    cart_id: i32,
    checkout: &Checkout,
    rules: &CheckoutRules,
) -> Result<Placed, AppError> {
    let outcome = place(db, cart_id, checkout, rules).await;
    or_placed_before(db, outcome, &checkout.idempotency_key, cart_id).await
}

/// The review page's "Place order": what the submit adds to the details the checkout's steps kept on
/// the cart.
#[derive(Debug, Clone)]
pub struct Submit {
    pub idempotency_key: String,
    /// The total the review page showed (minor units).
    pub expected_total: i64,
    /// The signed-in shopper's account.
    pub account: Option<i32>,
}

/// "Place order" on the review page: the cart's entered details (email, address, shipping, promo
/// code) are read and placed as one order per idempotency key, however often the page is submitted —
/// a refresh after the order was placed gets that order, although the cart has forgotten its details.
pub async fn place_from_cart(
    db: &DatabaseConnection,
    cart_id: i32,
    submit: Submit,
    rules: &CheckoutRules,
) -> Result<Placed, AppError> {
    let outcome = match checkout::entered(db, cart_id).await {
        Ok(entered) => {
            let order = Checkout {
                email: entered.email,
                address: entered.address,
                shipping_method: entered.shipping_method,
                promo_code: entered.promo_code,
                expected_total: Some(submit.expected_total),
                idempotency_key: submit.idempotency_key.clone(),
                account: submit.account,
            };
            place(db, cart_id, &order, rules).await
        }
        Err(refusal) => Err(refusal),
    };
    or_placed_before(db, outcome, &submit.idempotency_key, cart_id).await
}

/// The one rule for repeated submits: a refusal to a key that already made this cart's order is
/// answered with that order. A double click, a retry or a refresh whose twin placed the order first
/// finds the cart emptied and its details forgotten, so it looks invalid or different — it is the same
/// submit. A database failure is not a refusal and stays an error.
async fn or_placed_before(
    db: &DatabaseConnection,
    outcome: Result<Placed, AppError>,
    key: &str,
    cart_id: i32,
) -> Result<Placed, AppError> {
    let answer = match outcome {
        Err(refusal) if refusal != AppError::Internal => match placed_before(db, key, cart_id).await? {
            Some(placed) => Ok(placed),
            None => Err(refusal),
        },
        outcome => outcome,
    };
    match &answer {
        Ok(placed) if !placed.replayed => crate::server::metrics::order_placed(),
        Ok(_) => {}
        Err(refusal) => crate::server::metrics::order_refused(refusal),
    }
    answer
}

async fn place(
    db: &DatabaseConnection,
    cart_id: i32,
    checkout: &Checkout,
    rules: &CheckoutRules,
) -> Result<Placed, AppError> {
    let valid = validate(checkout, rules)?;
    let key = checkout.idempotency_key.trim();
    let lines = cart_lines(db, cart_id).await?;
    let print = fingerprint(cart_id, &lines, &valid, checkout.expected_total);

    let owned = match idempotency::claim(db, key, &print, lines.is_empty()).await? {
        Claim::Proceed(owned) => owned,
        Claim::Replay(order_id) => return replay(db, order_id).await,
    };
    let order = Order {
        cart_id,
        account: checkout.account,
        lines: &lines,
        valid: &valid,
        expected_total: checkout.expected_total,
        hold: rules.hold,
    };
    let result = crate::write_retry!(db, |txn| { take_stock_and_write(txn, &order, &owned).await });
    // A refusal wrote nothing: free our claim for a corrected retry. After a database error the order
    // may or may not exist (a lost answer to COMMIT): keep the key and let the lease decide.
    if let Err(refusal) = &result
        && *refusal != AppError::Internal
    {
        idempotency::release(db, &owned).await;
    }
    result
}

/// Everything the order transaction writes from.
struct Order<'a> {
    cart_id: i32,
    account: Option<i32>,
    lines: &'a [(i32, i32)],
    valid: &'a Valid<'a>,
    expected_total: Option<i64>,
    hold: Duration,
}

/// (variant id, quantity), by variant id: every transaction locks rows in the same order (no deadlock).
async fn cart_lines(db: &impl ConnectionTrait, cart_id: i32) -> Result<Vec<(i32, i32)>, AppError> {
    let lines = cart_line::Entity::find()
        .filter(cart_line::Column::CartId.eq(cart_id))
        .order_by_asc(cart_line::Column::VariantId)
        .all(db)
        .await?;
    Ok(lines.into_iter().map(|l| (l.variant_id, l.quantity)).collect())
}

/// Digests of what the request asks for: "<the form's fields>:<the cart's lines>". Once the order is
/// placed its lines have left the cart, so a repeat (a refresh) matches on the first part alone.
fn fingerprint(cart_id: i32, lines: &[(i32, i32)], valid: &Valid<'_>, expected_total: Option<i64>) -> String {
    let hex = |hasher: Sha256| hex::encode(hasher.finalize());
    let mut request = Sha256::new();
    request.update(format!("cart:{cart_id}\nemail:{}\naddress:{}\n", valid.email, valid.address_json));
    request.update(format!("method:{}\npromo:{}\ntotal:{expected_total:?}\n", valid.rate.id, valid.promo_code));
    let mut cart = Sha256::new();
    for (variant, quantity) in lines {
        cart.update(format!("line:{variant}x{quantity}\n"));
    }
    format!("{}:{}", idempotency::for_cart(cart_id, &hex(request)), hex(cart))
}

/// The order an earlier submit of this cart made under `key`, if it made one: a double click or a
/// refresh after the order was placed (when the cart has forgotten the details it was placed with).
async fn placed_before(db: &DatabaseConnection, key: &str, cart_id: i32) -> Result<Option<Placed>, AppError> {
    match idempotency::order_of(db, key.trim(), cart_id).await? {
        Some(order_id) => Ok(Some(replay(db, order_id).await?)),
        None => Ok(None),
    }
}

async fn replay(db: &DatabaseConnection, order_id: i32) -> Result<Placed, AppError> {
    let order = order::Entity::find_by_id(order_id).one(db).await?.ok_or(AppError::Internal)?;
    Ok(Placed { order_id, token: order.token, replayed: true })
}

/// The order transaction. `Ok(Err(_))` refuses (and rolls back); `Err(_)` is a database failure.
async fn take_stock_and_write(
    txn: &DatabaseTransaction,
    order: &Order<'_>,
    owned: &Owned,
) -> Result<Result<Placed, AppError>, DbErr> {
    let now = chrono::Utc::now();
    let valid = order.valid;
    // The lines leave the cart first, exactly as they were read: a second submit of the same cart (another
    // tab, another key) finds them gone, and a quantity changed meanwhile is not ordered unseen.
    for &(variant_id, quantity) in order.lines {
        let taken = cart_line::Entity::delete_many()
            .filter(cart_line::Column::CartId.eq(order.cart_id))
            .filter(cart_line::Column::VariantId.eq(variant_id))
            .filter(cart_line::Column::Quantity.eq(quantity))
            .exec(txn)
            .await?;
        if taken.rows_affected != 1 {
            let message = "Your cart changed while you were checking out. Please review it and try again.";
            return Ok(Err(AppError::invalid("cart", message)));
        }
    }
    let mut shortages = FieldErrors::new();
    let mut priced = Vec::with_capacity(order.lines.len());
    for &(variant_id, quantity) in order.lines {
        let taken = inventory::take(txn, variant_id, quantity, Sellable::OnlyWhileSold).await?;
        let found = variant::Entity::find_by_id(variant_id).find_also_related(product::Entity).one(txn).await?;
        let Some((variant, Some(product))) = found else {
            shortages.insert(format!("line:{variant_id}"), "This item is no longer sold.".into());
            continue;
        };
        if !taken || !catalog::is_sellable(&product, &variant) {
            let message = match (catalog::is_sellable(&product, &variant), variant.stock) {
                (false, _) => format!("{} is no longer sold.", product.title),
                (true, 0) => format!("{} is sold out.", product.title),
                (true, left) => format!("Only {left} of {} left (you asked for {quantity}).", product.title),
            };
            shortages.insert(format!("line:{}", variant.sku), message);
            continue;
        }
        priced.push((variant, product, quantity));
    }
    if !shortages.is_empty() {
        return Ok(Err(AppError::Validation(shortages)));
    }

    let lines: Vec<PricedLine> =
        priced.iter().map(|(v, _, q)| PricedLine { unit_price: v.price, quantity: *q }).collect();
    let promo = match valid.promo_code.as_str() {
        "" => None,
        code => match checkout::find_promo(txn, code, now).await? {
            Ok(promo) => Some(promo),
            Err(why) => return Ok(Err(AppError::invalid("promo_code", format!("{why} Remove it to continue.")))),
        },
    };
    let totals = pricing::totals(&lines, promo.as_ref(), Some(valid.rate), valid.tax_basis_points);
    if order.expected_total.is_some_and(|expected| expected != totals.total) {
        let message = format!(
            "Your total changed to {} since you reviewed your order. Please check it and place the order again.",
            Money::store(totals.total).format()
        );
        return Ok(Err(AppError::invalid("total", message)));
    }
    // A code that takes money off counts one use, atomically: the limit holds under any concurrency.
    let promo_code = match promo.filter(|_| totals.discount > 0) {
        Some(promo) => {
            if !checkout::count_promo_use(txn, &promo.code, now, true).await? {
                let message = format!("{} has just been used up. Remove it to continue.", promo.code);
                return Ok(Err(AppError::invalid("promo_code", message)));
            }
            promo.code
        }
        None => String::new(),
    };

    let token = format!("{:032x}", rand::random::<u128>());
    let default_hold = chrono::Duration::minutes(crate::server::config::DEFAULT_HOLD_MINUTES as i64);
    let hold = chrono::Duration::from_std(order.hold).unwrap_or(default_hold);
    let placed = order::ActiveModel {
        token: Set(token.clone()),
        user_id: Set(order.account),
        email: Set(valid.email.clone()),
        status: Set(lifecycle::PLACED.status),
        payment_status: Set(lifecycle::PLACED.payment),
        currency: Set(STORE_CURRENCY.code().to_owned()),
        subtotal: Set(totals.subtotal),
        discount: Set(totals.discount),
        shipping: Set(totals.shipping),
        tax: Set(totals.tax),
        total: Set(totals.total),
        shipping_address: Set(valid.address_json.clone()),
        shipping_method: Set(valid.rate.id.clone()),
        promo_code: Set(promo_code),
        hold_expires_at: Set(now + hold),
        paid_at: Set(None),
        refunded_amount: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    for (variant, product, quantity) in &priced {
        order_line::ActiveModel {
            order_id: Set(placed.id),
            variant_id: Set(variant.id),
            sku: Set(variant.sku.clone()),
            title: Set(product.title.clone()),
            quantity: Set(*quantity),
            unit_price: Set(variant.price),
            line_total: Set(variant.price * *quantity as i64),
            refunded_quantity: Set(0),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let movement =
            Movement { variant_id: variant.id, product_id: product.id, delta: -quantity, stock_after: variant.stock };
        inventory::record(txn, movement, "order", Some(placed.id)).await?;
    }
    // The order keeps the shopper's email and address; the cart forgets them (a shared computer's
    // next shopper starts blank).
    cart::Entity::update_many()
        .col_expr(cart::Column::Email, Expr::value(""))
        .col_expr(cart::Column::ShippingAddress, Expr::value(""))
        .col_expr(cart::Column::PromoCode, Expr::value(""))
        .filter(cart::Column::Id.eq(order.cart_id))
        .exec(txn)
        .await?;
    if !idempotency::complete(txn, owned, placed.id).await? {
        // The key was released or taken over meanwhile: do not create a second order under it.
        return Ok(Err(AppError::Conflict("Your order is already being placed. Please wait a moment.".into())));
    }
    Ok(Ok(Placed { order_id: placed.id, token, replayed: false }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_changes_with_any_detail() {
        let rules = CheckoutRules::default();
        let checkout = Checkout {
            email: "a@b.co".into(),
            address: Address {
                name: "A".into(),
                line1: "1 Main St".into(),
                city: "Town".into(),
                region: "CA".into(),
                postal_code: "94105".into(),
                country: "US".into(),
                ..Default::default()
            },
            shipping_method: "standard".into(),
            promo_code: String::new(),
            expected_total: Some(100),
            idempotency_key: "k".into(),
            account: None,
        };
        let print =
            |c: &Checkout, lines: &[(i32, i32)]| fingerprint(1, lines, &validate(c, &rules).unwrap(), c.expected_total);
        let base = print(&checkout, &[(5, 1)]);
        assert_eq!(base, print(&checkout, &[(5, 1)]));
        assert_ne!(base, print(&checkout, &[(5, 2)]));
        assert_eq!(base.split(':').next(), print(&checkout, &[]).split(':').next(), "lines apart");
        assert_ne!(base, print(&Checkout { email: "c@b.co".into(), ..checkout.clone() }, &[(5, 1)]));
        assert_ne!(base, print(&Checkout { shipping_method: "express".into(), ..checkout.clone() }, &[(5, 1)]));
        assert_ne!(base, print(&Checkout { expected_total: Some(101), ..checkout.clone() }, &[(5, 1)]));
    }
}
