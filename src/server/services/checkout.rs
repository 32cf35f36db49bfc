//! The checkout steps: contact and address, shipping method, promo code, and the review's totals.
//! What the shopper enters is kept on the cart until the order is placed; totals are always computed
//! here from the database (prices sent by a browser are never read).

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::error::{AppError, FieldErrors};
use crate::model::account::Email;
use crate::model::checkout::{Address, CheckoutAccount, CheckoutView, ShippingChoice, country_name, regions};
use crate::model::money::Money;
use crate::server::config::CheckoutRules;
use crate::server::entities::{cart, promo_code, user};
use crate::server::services::accounts::addresses;
use crate::server::services::cart as carts;
use crate::server::services::pricing::{self, PricedLine, Promo, PromoKind};

pub const MAX_FIELD_CHARS: usize = 120;

/// Whether a postal code has its country's shape.
fn postal_code_fits(country: &str, code: &str) -> bool {
    let chars: Vec<char> = code.chars().collect();
    let digits = |n: usize| chars.len() == n && chars.iter().all(char::is_ascii_digit);
    match country {
        "US" => {
            digits(5)
                || (chars.len() == 10 && chars[5] == '-' && code.chars().filter(char::is_ascii_digit).count() == 9)
        }
        "CA" => {
            let c: Vec<char> = code.chars().filter(|c| !c.is_whitespace()).collect();
            c.len() == 6
                && c.iter()
                    .enumerate()
                    .all(|(i, ch)| if i % 2 == 0 { ch.is_ascii_alphabetic() } else { ch.is_ascii_digit() })
        }
        "GB" => {
            let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            (5..=7).contains(&compact.len())
                && compact.chars().all(|c| c.is_ascii_alphanumeric())
                && compact.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && compact.chars().rev().take(2).all(|c| c.is_ascii_alphabetic())
        }
        "DE" | "FR" => digits(5),
        "AU" => digits(4),
        "NL" => {
            let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            compact.is_ascii()
                && compact.len() == 6
                && compact[..4].chars().all(|c| c.is_ascii_digit())
                && compact[4..].chars().all(|c| c.is_ascii_alphabetic())
        }
        _ => !code.is_empty(),
    }
}

/// Checks every field of an address and says what is wrong with each, or gives it back tidied
/// (trimmed, codes upper case).
pub fn validate_address(input: &Address) -> Result<Address, FieldErrors> {
    let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let address = Address {
        name: clean(&input.name),
        line1: clean(&input.line1),
        line2: clean(&input.line2),
        city: clean(&input.city),
        region: input.region.trim().to_ascii_uppercase(),
        postal_code: clean(&input.postal_code).to_ascii_uppercase(),
        country: input.country.trim().to_ascii_uppercase(),
    };
    let mut errors = FieldErrors::new();
    let mut required = |field: &str, value: &str, what: &str| {
        if value.is_empty() {
            errors.insert(field.into(), format!("Enter your {what}."));
        } else if value.chars().count() > MAX_FIELD_CHARS || value.chars().any(char::is_control) {
            errors.insert(field.into(), format!("Shorten your {what} to {MAX_FIELD_CHARS} characters."));
        }
    };
    required("name", &address.name, "full name");
    required("line1", &address.line1, "street address");
    required("city", &address.city, "city");
    if address.line2.chars().count() > MAX_FIELD_CHARS || address.line2.chars().any(char::is_control) {
        errors.insert("line2".into(), format!("Shorten this line to {MAX_FIELD_CHARS} characters."));
    }
    if country_name(&address.country).is_none() {
        errors.insert("country".into(), "Choose a country we ship to.".into());
    } else {
        let known = regions(&address.country);
        if !known.is_empty() && !known.iter().any(|(code, _)| *code == address.region) {
            let what = if address.country == "CA" { "province" } else { "state" };
            errors.insert("region".into(), format!("Choose a {what}."));
        }
        if known.is_empty() && !address.region.is_empty() {
            errors.insert("region".into(), "Leave the region empty for this country.".into());
        }
        if address.postal_code.is_empty() {
            errors.insert("postal_code".into(), "Enter your postal code.".into());
        } else if !postal_code_fits(&address.country, &address.postal_code) {
            let example = match address.country.as_str() {
                "US" => "12345 or 12345-6789",
                "CA" => "K1A 0B1",
                "GB" => "SW1A 1AA",
                "NL" => "1234 AB",
                "AU" => "2000",
                _ => "75001",
            };
            errors.insert("postal_code".into(), format!("Enter a postal code like {example}."));
        }
    }
    if errors.is_empty() { Ok(address) } else { Err(errors) }
}

/// A stored address (JSON on carts and orders): the one decoder. None when nothing (or something
/// unreadable) is stored.
pub fn parse_address(stored: &str) -> Option<Address> {
    serde_json::from_str(stored).ok()
}

/// A stored address, or an empty one.
pub fn decode_address(stored: &str) -> Address {
    parse_address(stored).unwrap_or_default()
}

/// Saves the contact email and shipping address (step one). Nothing is saved unless every field is
/// right.
pub async fn save_details(
    db: &DatabaseConnection,
    cart_id: i32,
    email: &str,
    address: &Address,
) -> Result<(), AppError> {
    let email = Email::parse(email).map(Email::into_string);
    let address = validate_address(address);
    let (email, address) = match (email, address) {
        (Ok(email), Ok(address)) => (email, address),
        (email, address) => {
            let mut fields = address.err().unwrap_or_default();
            if let Err(AppError::Validation(more)) = email {
                fields.extend(more);
            }
            return Err(AppError::Validation(fields));
        }
    };
    let json = serde_json::to_string(&address).map_err(|e| AppError::internal(&e))?;
    update_cart(db, cart_id, [(cart::Column::Email, email), (cart::Column::ShippingAddress, json)]).await
}

/// Chooses a shipping method (step two).
pub async fn choose_shipping(
    db: &DatabaseConnection,
    cart_id: i32,
    rules: &CheckoutRules,
    method: &str,
) -> Result<(), AppError> {
    if rules.rate(method).is_none() {
        return Err(AppError::invalid("method", "Choose one of the shipping methods shown."));
    }
    update_cart(db, cart_id, [(cart::Column::ShippingMethod, method.to_owned())]).await
}

/// The longest promo code.
pub const MAX_PROMO_LEN: usize = 40;

/// A promo code as the store keeps and compares it (codes are case-insensitive): the one normaliser.
pub fn promo_code(typed: &str) -> String {
    typed.trim().to_ascii_uppercase()
}

/// Applies a promo code to the cart (an empty code removes it). A code that does not exist, is
/// inactive, expired or used up is refused; one whose minimum is not reached is kept with a note.
pub async fn apply_promo(db: &DatabaseConnection, cart_id: i32, code: &str) -> Result<(), AppError> {
    let code = promo_code(code);
    if !code.is_empty() {
        if code.len() > MAX_PROMO_LEN {
            return Err(AppError::invalid("code", "That code is not valid."));
        }
        if let Err(message) = find_promo(db, &code, chrono::Utc::now()).await? {
            return Err(AppError::invalid("code", message));
        }
    }
    update_cart(db, cart_id, [(cart::Column::PromoCode, code)]).await
}

async fn update_cart<const N: usize>(
    db: &DatabaseConnection,
    cart_id: i32,
    values: [(cart::Column, String); N],
) -> Result<(), AppError> {
    let mut update = cart::Entity::update_many()
        .col_expr(cart::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .filter(cart::Column::Id.eq(cart_id));
    for (column, value) in values {
        update = update.col_expr(column, Expr::value(value));
    }
    update.exec(db).await?;
    Ok(())
}

/// A usable promo code, or why it is not usable now (the one place these rules live; order
/// placement re-checks them atomically when it counts the use).
pub async fn find_promo(
    db: &impl ConnectionTrait,
    code: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Result<Promo, String>, DbErr> {
    let row = promo_code::Entity::find().filter(promo_code::Column::Code.eq(code)).one(db).await?;
    let Some(row) = row.filter(|r| r.active) else {
        return Ok(Err(format!("{code} is not a valid code.")));
    };
    if row.expires_at.is_some_and(|at| at <= now) {
        return Ok(Err(format!("{code} has expired.")));
    }
    if row.usage_limit.is_some_and(|limit| row.used_count >= limit) {
        return Ok(Err(format!("{code} has been used up.")));
    }
    Ok(Ok(promo_from(&row)))
}

/// Counts one use of a code, atomically (the limit holds under any concurrency). A new order counts it
/// only while the code is active, unexpired and under its limit (`within_limit`); a revived order
/// counts again the use its cancellation gave back. True when counted.
pub async fn count_promo_use(
    txn: &impl ConnectionTrait,
    code: &str,
    now: chrono::DateTime<chrono::Utc>,
    within_limit: bool,
) -> Result<bool, DbErr> {
    use sea_orm::Condition;
    use sea_orm::sea_query::ExprTrait;
    let mut update = promo_code::Entity::update_many()
        .col_expr(promo_code::Column::UsedCount, Expr::col(promo_code::Column::UsedCount).add(1))
        .filter(promo_code::Column::Code.eq(code));
    if within_limit {
        update = update
            .filter(promo_code::Column::Active.eq(true))
            .filter(
                Condition::any()
                    .add(promo_code::Column::UsageLimit.is_null())
                    .add(Expr::col(promo_code::Column::UsedCount).lt(Expr::col(promo_code::Column::UsageLimit))),
            )
            .filter(
                Condition::any()
                    .add(promo_code::Column::ExpiresAt.is_null())
                    .add(promo_code::Column::ExpiresAt.gt(now)),
            );
    }
    Ok(update.exec(txn).await?.rows_affected == 1)
}

/// Gives a use back (its order was cancelled).
pub async fn return_promo_use(txn: &impl ConnectionTrait, code: &str) -> Result<(), DbErr> {
    use sea_orm::sea_query::ExprTrait;
    promo_code::Entity::update_many()
        .col_expr(promo_code::Column::UsedCount, Expr::col(promo_code::Column::UsedCount).sub(1))
        .filter(promo_code::Column::Code.eq(code))
        .filter(promo_code::Column::UsedCount.gt(0))
        .exec(txn)
        .await?;
    Ok(())
}

pub fn promo_from(row: &promo_code::Model) -> Promo {
    let kind = if row.kind == "percent" { PromoKind::Percent(row.value) } else { PromoKind::Fixed(row.value) };
    Promo { code: row.code.clone(), kind, min_subtotal: row.min_subtotal }
}

/// What every checkout step shows: the revalidated cart, what was entered, the shipping choices with
/// their prices for this cart, and the totals.
pub async fn view(db: &DatabaseConnection, cart_id: i32, rules: &CheckoutRules) -> Result<CheckoutView, AppError> {
    let cart = carts::view(db, cart_id).await?;
    let row = cart::Entity::find_by_id(cart_id).one(db).await?.ok_or(AppError::NotFound)?;
    let lines: Vec<PricedLine> =
        cart.lines.iter().map(|l| PricedLine { unit_price: l.unit_price.minor, quantity: l.quantity }).collect();
    let subtotal = pricing::subtotal(&lines);
    let (promo, promo_note) = if row.promo_code.is_empty() {
        (None, None)
    } else {
        match find_promo(db, &row.promo_code, chrono::Utc::now()).await? {
            Ok(promo) if subtotal < promo.min_subtotal => {
                let note =
                    format!("{} applies from a subtotal of {}.", promo.code, Money::store(promo.min_subtotal).format());
                (Some(promo), Some(note))
            }
            Ok(promo) => (Some(promo), None),
            Err(note) => (None, Some(note)),
        }
    };
    let address = parse_address(&row.shipping_address);
    let goods = subtotal - pricing::discount(promo.as_ref(), subtotal);
    let choices = rules
        .shipping
        .iter()
        .map(|rate| ShippingChoice {
            id: rate.id.clone(),
            name: rate.name.clone(),
            price: Money::store(rate.price(goods)),
        })
        .collect();
    let method = rules.rate(&row.shipping_method);
    let tax = address.as_ref().map(|a| rules.tax_basis_points(&a.country, &a.region)).unwrap_or(0);
    let totals = pricing::totals(&lines, promo.as_ref(), method, tax);
    Ok(CheckoutView {
        cart,
        email: row.email,
        address,
        shipping_method: method.map(|m| m.id.clone()).unwrap_or_default(),
        choices,
        promo_code: row.promo_code,
        promo_note,
        totals,
        idempotency_key: carts::new_token(),
        account: None,
    })
}

/// A signed-in shopper's checkout: `view` with their email and address book (the details step fills
/// them in until the cart has its own).
pub async fn with_account(
    db: &DatabaseConnection,
    view: CheckoutView,
    user: &user::Model,
) -> Result<CheckoutView, AppError> {
    let addresses = addresses::list(db, user.id).await?;
    Ok(CheckoutView { account: Some(CheckoutAccount { email: user.email.clone(), addresses }), ..view })
}

/// "Ship here" beside one of the shopper's saved addresses: it becomes the cart's shipping address
/// (with the email entered so far, else the account's), as if typed into the details form.
pub async fn ship_to_saved(
    db: &DatabaseConnection,
    cart_id: i32,
    user: &user::Model,
    address_id: i32,
) -> Result<(), AppError> {
    let saved = addresses::get(db, user.id, address_id).await?;
    let row = cart::Entity::find_by_id(cart_id).one(db).await?.ok_or(AppError::NotFound)?;
    let email = if row.email.is_empty() { user.email.clone() } else { row.email };
    save_details(db, cart_id, &email, &saved.address).await
}

/// The checkout details kept on a cart, checked again as the order is placed.
pub struct Entered {
    pub email: String,
    pub address: Address,
    pub shipping_method: String,
    pub promo_code: String,
}

/// What the cart holds for the order, or which step is missing.
pub async fn entered(db: &impl ConnectionTrait, cart_id: i32) -> Result<Entered, AppError> {
    let row = cart::Entity::find_by_id(cart_id).one(db).await?.ok_or(AppError::NotFound)?;
    let Some(address) = parse_address(&row.shipping_address).filter(|_| !row.email.is_empty()) else {
        return Err(AppError::invalid("email", "Enter your email and shipping address first."));
    };
    if row.shipping_method.is_empty() {
        return Err(AppError::invalid("method", "Choose a shipping method first."));
    }
    Ok(Entered { email: row.email, address, shipping_method: row.shipping_method, promo_code: row.promo_code })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(country: &str, region: &str, postal_code: &str) -> Address {
        Address {
            name: " Ada  Lovelace ".into(),
            line1: "12 Analytical Row".into(),
            line2: String::new(),
            city: "Springfield".into(),
            region: region.into(),
            postal_code: postal_code.into(),
            country: country.into(),
        }
    }

    #[test]
    fn a_good_address_comes_back_tidied() {
        let ok = validate_address(&address("us", "ca", "94105")).expect("valid");
        assert_eq!((ok.name.as_str(), ok.country.as_str(), ok.region.as_str()), ("Ada Lovelace", "US", "CA"));
        assert!(validate_address(&address("GB", "", "sw1a 1aa")).is_ok());
        assert!(validate_address(&address("CA", "ON", "K1A 0B1")).is_ok());
        assert!(validate_address(&address("NL", "", "1234 AB")).is_ok());
        assert!(validate_address(&address("US", "NY", "10001-1234")).is_ok());
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = validate_address(&Address { country: "US".into(), ..Default::default() }).unwrap_err();
        for field in ["name", "line1", "city", "region", "postal_code"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        assert!(validate_address(&address("US", "CA", "9410")).unwrap_err().contains_key("postal_code"));
        assert!(validate_address(&address("US", "XX", "94105")).unwrap_err().contains_key("region"));
        assert!(validate_address(&address("ZZ", "", "1")).unwrap_err().contains_key("country"));
        assert!(validate_address(&address("DE", "BY", "10115")).unwrap_err().contains_key("region"));
        assert!(validate_address(&address("NL", "", "123é4")).unwrap_err().contains_key("postal_code"), "no panic");
        let long = Address { line1: "x".repeat(500), ..address("DE", "", "10115") };
        assert!(validate_address(&long).unwrap_err().contains_key("line1"));
    }
}
