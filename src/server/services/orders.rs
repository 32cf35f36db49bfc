//! Order placement: one transaction takes the stock of every line with a conditional UPDATE (never
//! below zero, whatever runs at the same time), writes the order, its lines and the inventory ledger,
//! empties the cart and completes the idempotency key — or changes nothing at all.
//!
//! Idempotency (Stripe's rules): the first request with a key claims it with a fingerprint of what it
//! asks for; a repeat with the same fingerprint gets the same order back, a repeat with another
//! fingerprint is refused (422), and a repeat while the first is still running gets 409. A refused
//! placement (out of stock, bad email) releases the key so the shopper can fix the cart and retry.

use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set, SqlErr,
};
use sha2::{Digest, Sha256};

use crate::error::{AppError, FieldErrors};
use crate::model::checkout::{Address, OrderLineView, OrderView, Totals};
use crate::model::money::{Money, STORE_CURRENCY};
use crate::model::order::OrderStatus;
use crate::server::config::CheckoutRules;
use crate::server::entities::{cart_line, idempotency_key, order, order_line, product, variant};
use crate::server::services::checkout::{self, normalize_email, validate_address};
use crate::server::services::inventory::{self, Movement};
use crate::server::services::pricing::{self, PricedLine, ShippingRate};

/// An in-progress key older than this belongs to a request that died (its transaction never
/// committed, so no order exists): a retry may take it over. Longer than the worst case of a live
/// request (5 attempts, each bounded by the pool's 10 s acquire timeout and the database's 10 s busy or
/// lock timeout); and the key is completed only by the claim that owns it, so even a late original
/// cannot make a second order under the key.
const KEY_LEASE: chrono::Duration = chrono::Duration::minutes(5);

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
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::invalid("idempotency_key", "This checkout page has expired. Please reload it."));
    }
    let email = normalize_email(&checkout.email)?;
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
        promo_code: checkout.promo_code.trim().to_ascii_uppercase(),
    })
}

pub async fn place_order(
    db: &DatabaseConnection,
    cart_id: i32,
    checkout: &Checkout,
    rules: &CheckoutRules,
) -> Result<Placed, AppError> {
    let valid = validate(checkout, rules)?;
    let key = checkout.idempotency_key.trim();
    let lines = cart_lines(db, cart_id).await?;
    let print = fingerprint(cart_id, &lines, &valid, checkout.expected_total);

    let claimed = match claim(db, key, &print, lines.is_empty()).await? {
        Claim::Proceed(claimed) => claimed,
        Claim::Replay(order_id) => return replay(db, order_id).await,
    };
    let owned = Owned { key, claimed };
    let order =
        Order { cart_id, lines: &lines, valid: &valid, expected_total: checkout.expected_total, hold: rules.hold };
    let result = crate::write_retry!(db, |txn| { take_stock_and_write(txn, &order, owned).await });
    // A refusal wrote nothing: free our claim for a corrected retry. After a database error the order
    // may or may not exist (a lost answer to COMMIT): keep the key and let the lease decide.
    if let Err(refusal) = &result
        && *refusal != AppError::Internal
    {
        let released = idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::Key.eq(key))
            .filter(idempotency_key::Column::State.eq("in_progress"))
            .filter(idempotency_key::Column::UpdatedAt.eq(claimed))
            .exec(db)
            .await;
        if let Err(err) = released {
            tracing::warn!(error = %err, "could not release an idempotency key");
        }
    }
    result
}

/// Everything the order transaction writes from.
struct Order<'a> {
    cart_id: i32,
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
    let hex = |hasher: Sha256| crate::server::hex(&hasher.finalize());
    let mut request = Sha256::new();
    request.update(format!("cart:{cart_id}\nemail:{}\naddress:{}\n", valid.email, valid.address_json));
    request.update(format!("method:{}\npromo:{}\ntotal:{expected_total:?}\n", valid.rate.id, valid.promo_code));
    let mut cart = Sha256::new();
    for (variant, quantity) in lines {
        cart.update(format!("line:{variant}x{quantity}\n"));
    }
    format!("{}:{}", hex(request), hex(cart))
}

fn request_part(print: &str) -> &str {
    print.split(':').next().unwrap_or_default()
}

enum Claim {
    /// Ours, claimed at this instant (the claim's identity).
    Proceed(chrono::DateTime<chrono::Utc>),
    Replay(i32),
}

async fn claim(db: &DatabaseConnection, key: &str, print: &str, empty_cart: bool) -> Result<Claim, AppError> {
    let in_progress = || AppError::Conflict("Your order is already being placed. Please wait a moment.".into());
    // Microseconds: what PostgreSQL keeps, so that the stored claim compares equal to ours.
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    // Two rounds at most: a key inserted by a concurrent request between our read and our insert is
    // read again.
    for _ in 0..2 {
        if let Some(existing) = idempotency_key::Entity::find_by_id(key.to_owned()).one(db).await? {
            let same_request = request_part(&existing.fingerprint) == request_part(print);
            return match (existing.state.as_str(), existing.order_id) {
                ("done", Some(order_id)) if same_request => Ok(Claim::Replay(order_id)),
                ("in_progress", _) if existing.fingerprint == print => {
                    if existing.updated_at >= now - KEY_LEASE {
                        return Err(in_progress());
                    }
                    let taken = idempotency_key::Entity::update_many()
                        .col_expr(idempotency_key::Column::UpdatedAt, Expr::value(now))
                        .filter(idempotency_key::Column::Key.eq(key))
                        .filter(idempotency_key::Column::State.eq("in_progress"))
                        .filter(idempotency_key::Column::UpdatedAt.eq(existing.updated_at))
                        .exec(db)
                        .await?;
                    if taken.rows_affected == 1 { Ok(Claim::Proceed(now)) } else { Err(in_progress()) }
                }
                _ => Err(AppError::invalid(
                    "idempotency_key",
                    "This checkout was already submitted with different details. Please review your order again.",
                )),
            };
        }
        if empty_cart {
            return Err(AppError::invalid("cart", "Your cart is empty."));
        }
        let inserted = idempotency_key::ActiveModel {
            key: Set(key.to_owned()),
            fingerprint: Set(print.to_owned()),
            state: Set("in_progress".to_owned()),
            order_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await;
        match inserted {
            Ok(_) => return Ok(Claim::Proceed(now)),
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(in_progress())
}

/// The idempotency key this request claimed, and when (the claim's identity).
#[derive(Clone, Copy)]
struct Owned<'a> {
    key: &'a str,
    claimed: chrono::DateTime<chrono::Utc>,
}

async fn replay(db: &DatabaseConnection, order_id: i32) -> Result<Placed, AppError> {
    let order = order::Entity::find_by_id(order_id).one(db).await?.ok_or(AppError::Internal)?;
    Ok(Placed { order_id, token: order.token, replayed: true })
}

/// The order transaction. `Ok(Err(_))` refuses (and rolls back); `Err(_)` is a database failure.
async fn take_stock_and_write(
    txn: &DatabaseTransaction,
    order: &Order<'_>,
    owned: Owned<'_>,
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
        let taken = inventory::take(txn, variant_id, quantity, true).await?;
        let found = variant::Entity::find_by_id(variant_id).find_also_related(product::Entity).one(txn).await?;
        let Some((variant, Some(product))) = found else {
            shortages.insert(format!("line:{variant_id}"), "This item is no longer sold.".into());
            continue;
        };
        if !taken || product.status != "active" {
            let message = match (variant.active && product.status == "active", variant.stock) {
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
    let hold = chrono::Duration::from_std(order.hold).unwrap_or(chrono::Duration::minutes(15));
    let placed = order::ActiveModel {
        token: Set(token.clone()),
        email: Set(valid.email.clone()),
        status: Set(OrderStatus::PendingPayment.as_str().to_owned()),
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
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let order = placed;
    for (variant, product, quantity) in &priced {
        order_line::ActiveModel {
            order_id: Set(order.id),
            variant_id: Set(variant.id),
            sku: Set(variant.sku.clone()),
            title: Set(product.title.clone()),
            quantity: Set(*quantity),
            unit_price: Set(variant.price),
            line_total: Set(variant.price * *quantity as i64),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let movement =
            Movement { variant_id: variant.id, product_id: product.id, delta: -quantity, stock_after: variant.stock };
        inventory::record(txn, movement, "order", Some(order.id)).await?;
    }
    let done = idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::State, Expr::value("done"))
        .col_expr(idempotency_key::Column::OrderId, Expr::value(order.id))
        .col_expr(idempotency_key::Column::UpdatedAt, Expr::value(now))
        .filter(idempotency_key::Column::Key.eq(owned.key))
        .filter(idempotency_key::Column::State.eq("in_progress"))
        .filter(idempotency_key::Column::UpdatedAt.eq(owned.claimed))
        .exec(txn)
        .await?;
    if done.rows_affected != 1 {
        // The key was released or taken over meanwhile: do not create a second order under it.
        return Ok(Err(AppError::Conflict("Your order is already being placed. Please wait a moment.".into())));
    }
    Ok(Ok(Placed { order_id: order.id, token, replayed: false }))
}

/// Cancels every order still awaiting payment after its hold, giving its stock back (with ledger rows).
/// Safe to run on several nodes at once: each order changes state with a conditional UPDATE, and only
/// the run that changed it returns the stock. Returns how many orders it cancelled.
pub async fn expire_holds(db: &DatabaseConnection, now: chrono::DateTime<chrono::Utc>) -> Result<usize, AppError> {
    let due: Vec<i32> = order::Entity::find()
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
        .filter(order::Column::HoldExpiresAt.lt(now))
        .order_by_asc(order::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let mut cancelled = 0;
    for order_id in due {
        // One failing order does not keep the others from being cancelled this round.
        match crate::write_retry!(db, |txn| { cancel_and_restock(txn, order_id, now).await }) {
            Ok(true) => cancelled += 1,
            Ok(false) => {}
            Err(err) => tracing::warn!(order_id, error = %err, "could not cancel an expired order"),
        }
    }
    Ok(cancelled)
}

/// pending_payment → cancelled, and the order's units back on hand. False when another run (or a
/// payment) changed the order first.
async fn cancel_and_restock(
    txn: &DatabaseTransaction,
    order_id: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Result<bool, AppError>, DbErr> {
    debug_assert!(OrderStatus::PendingPayment.can_become(OrderStatus::Cancelled));
    let changed = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(OrderStatus::Cancelled.as_str()))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
        .exec(txn)
        .await?;
    if changed.rows_affected != 1 {
        return Ok(Ok(false));
    }
    // A promo code's use comes back with the stock.
    if let Some(order) = order::Entity::find_by_id(order_id).one(txn).await?
        && !order.promo_code.is_empty()
    {
        checkout::return_promo_use(txn, &order.promo_code).await?;
    }
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::VariantId)
        .all(txn)
        .await?;
    for line in lines {
        inventory::put_back(txn, line.variant_id, line.quantity, "order_cancelled", Some(order_id)).await?;
    }
    Ok(Ok(true))
}

/// An order's page: its lines, totals, address, and while it awaits payment the seconds left and a
/// fresh key for the payment form.
pub async fn view(db: &impl ConnectionTrait, token: &str, rules: &CheckoutRules) -> Result<OrderView, AppError> {
    if !crate::server::services::cart::is_token(token) {
        return Err(AppError::NotFound);
    }
    let order =
        order::Entity::find().filter(order::Column::Token.eq(token)).one(db).await?.ok_or(AppError::NotFound)?;
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .order_by_asc(order_line::Column::Id)
        .all(db)
        .await?;
    let status = OrderStatus::parse(&order.status).ok_or(AppError::Internal)?;
    let seconds_left = match status {
        OrderStatus::PendingPayment => Ord::max((order.hold_expires_at - chrono::Utc::now()).num_seconds(), 0),
        _ => 0,
    };
    Ok(OrderView {
        token: order.token,
        number: order.id,
        status,
        email: order.email,
        lines: lines
            .into_iter()
            .map(|l| OrderLineView {
                sku: l.sku,
                title: l.title,
                quantity: l.quantity,
                unit_price: Money::store(l.unit_price),
                line_total: Money::store(l.line_total),
            })
            .collect(),
        totals: Totals {
            subtotal: order.subtotal,
            discount: order.discount,
            shipping: order.shipping,
            tax: order.tax,
            total: order.total,
        },
        address: serde_json::from_str(&order.shipping_address).unwrap_or_default(),
        shipping_method: rules.rate(&order.shipping_method).map(|r| r.name.clone()).unwrap_or(order.shipping_method),
        promo_code: order.promo_code,
        seconds_left,
        payment_error: if status == OrderStatus::PendingPayment { order.payment_error } else { String::new() },
        card: (!order.card_brand.is_empty()).then(|| format!("{} ending {}", order.card_brand, order.card_last4)),
        charged: matches!(order.payment_status.as_str(), "succeeded" | "refunding"),
        attempt_key: crate::server::services::cart::new_token(),
        sandbox: false,
    })
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
        };
        let print =
            |c: &Checkout, lines: &[(i32, i32)]| fingerprint(1, lines, &validate(c, &rules).unwrap(), c.expected_total);
        let base = print(&checkout, &[(5, 1)]);
        assert_eq!(base, print(&checkout, &[(5, 1)]));
        assert_ne!(base, print(&checkout, &[(5, 2)]));
        assert_eq!(request_part(&base), request_part(&print(&checkout, &[])), "lines apart");
        assert_ne!(base, print(&Checkout { email: "c@b.co".into(), ..checkout.clone() }, &[(5, 1)]));
        assert_ne!(base, print(&Checkout { shipping_method: "express".into(), ..checkout.clone() }, &[(5, 1)]));
        assert_ne!(base, print(&Checkout { expected_total: Some(101), ..checkout.clone() }, &[(5, 1)]));
    }
}
