//! Promo codes in the back office: the list, one code's terms and the orders that used it, creating a
//! code, changing its terms (minimum subtotal, end, usage limit, paused or live) and ending it now.
//! A code's discount is fixed once created (orders already placed with it keep their totals either way;
//! a different discount is a new code). The rules that decide whether a code applies to a cart live in
//! `services::checkout` (`find_promo`, `count_promo_use`); this module only writes the terms they read.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use crate::error::AppError;
use crate::model::catalog::parse_price;
use crate::model::money::Money;
use crate::server::entities::{order, promo_code};
use crate::server::services::audit::{self, Actor, Change, Subject};
use crate::server::services::checkout::{MAX_PROMO_LEN, promo_code};

/// A promo code to create (the back office's form, `storefront promo add`).
#[derive(Debug, Clone, Default)]
pub struct NewPromo {
    pub code: String,
    /// Whole percent off (1-100)...
    pub percent: Option<i64>,
    /// ...or minor units off.
    pub fixed: Option<i64>,
    pub min_subtotal: i64,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub usage_limit: Option<i32>,
}

/// The most codes the list shows (newest first).
pub const LIST_LIMIT: u64 = 200;

/// The most orders a code's page lists (newest first).
pub const ORDERS_LIMIT: u64 = 100;

/// The terms staff may change after a code is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// Minor units the cart's subtotal must reach (0: any).
    pub min_subtotal: i64,
    /// When the code stops working (None: never).
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// How many orders may use it (None: no limit).
    pub usage_limit: Option<i32>,
    /// False: paused (refused at checkout like an unknown code), true: live.
    pub active: bool,
}

impl Terms {
    /// The terms form: `min` ("25" or "25.50", empty: 0), `ends` (a `YYYY-MM-DD` UTC day at whose start the
    /// code stops working, as `storefront promo add --expires`; empty: never), `limit` (a whole number from
    /// 1, empty: none), and whether the code is live.
    pub fn parse(min: &str, ends: &str, limit: &str, active: bool) -> Result<Terms, AppError> {
        let min_subtotal = match min.trim() {
            "" => 0,
            typed => parse_price(typed)
                .ok_or_else(|| AppError::invalid("min", "Minimum subtotal: an amount such as 25 or 25.50."))?,
        };
        let expires_at = match ends.trim() {
            "" => None,
            typed => Some(
                chrono::NaiveDate::parse_from_str(typed, "%Y-%m-%d")
                    .ok()
                    .and_then(|day| day.and_hms_opt(0, 0, 0))
                    .map(|start| start.and_utc())
                    .ok_or_else(|| AppError::invalid("ends", "End date: a day as YYYY-MM-DD."))?,
            ),
        };
        let usage_limit = match limit.trim() {
            "" => None,
            typed => Some(
                typed
                    .parse::<i32>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| AppError::invalid("limit", "Usage limit: a whole number from 1, or empty."))?,
            ),
        };
        Ok(Terms { min_subtotal, expires_at, usage_limit, active })
    }
}

/// The new-code form: the code, `kind` (percent | fixed) with its `value` (whole percent, or an amount
/// such as 5 or 5.50), and its terms. The code's own rules (length, characters, unique) are
/// checked by [`create`].
pub fn parse_new(code: &str, kind: &str, value: &str, terms: &Terms) -> Result<NewPromo, AppError> {
    let refused = || AppError::invalid("value", "Give either a percent off (1 to 100) or an amount off above 0.");
    let (percent, fixed) = match kind.trim() {
        "percent" => (Some(value.trim().parse::<i64>().map_err(|_| refused())?), None),
        "fixed" => (None, Some(parse_price(value).ok_or_else(refused)?)),
        _ => return Err(AppError::invalid("kind", "Choose percent off or amount off.")),
    };
    Ok(NewPromo {
        code: code.to_owned(),
        percent,
        fixed,
        min_subtotal: terms.min_subtotal,
        expires_at: terms.expires_at,
        usage_limit: terms.usage_limit,
    })
}

/// Whether a code works at checkout now, and if not why (as the list and the code's page say it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromoState {
    Live,
    Paused,
    Expired,
    UsedUp,
}

impl PromoState {
    pub fn of(row: &promo_code::Model, now: chrono::DateTime<chrono::Utc>) -> PromoState {
        if row.expires_at.is_some_and(|at| at <= now) {
            PromoState::Expired
        } else if row.usage_limit.is_some_and(|limit| row.used_count >= limit) {
            PromoState::UsedUp
        } else if !row.active {
            PromoState::Paused
        } else {
            PromoState::Live
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PromoState::Live => "Live",
            PromoState::Paused => "Paused",
            PromoState::Expired => "Expired",
            PromoState::UsedUp => "Used up",
        }
    }
}

/// "15% off" or "$5.00 off".
pub fn discount(row: &promo_code::Model) -> String {
    if row.kind == "percent" {
        format!("{}% off", row.value)
    } else {
        format!("{} off", Money::store(row.value).format())
    }
}

/// Every code, newest first (at most [`LIST_LIMIT`]).
pub async fn list(db: &DatabaseConnection) -> Result<Vec<promo_code::Model>, AppError> {
    Ok(promo_code::Entity::find().order_by_desc(promo_code::Column::Id).limit(LIST_LIMIT).all(db).await?)
}

/// A code and the orders placed with it, newest first (at most `limit`).
pub async fn detail(
    db: &DatabaseConnection,
    id: i32,
    limit: u64,
) -> Result<Option<(promo_code::Model, Vec<order::Model>)>, AppError> {
    let Some(row) = promo_code::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
    let orders = order::Entity::find()
        .filter(order::Column::PromoCode.eq(row.code.clone()))
        .order_by_desc(order::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(Some((row, orders)))
}

fn terms_of(row: &promo_code::Model) -> Value {
    json!({
        "min_subtotal": row.min_subtotal,
        "expires_at": row.expires_at.map(|at| at.to_rfc3339()),
        "usage_limit": row.usage_limit,
        "active": row.active,
    })
}

/// Creates a code with its audit entry, in one transaction: a code is 3 to 40 letters, digits, dashes
/// or underscores (kept upper-case), unique; the discount 1-100 % or above 0; the minimum 0 or more and
/// the limit 1 or more.
pub async fn create(db: &DatabaseConnection, actor: &Actor, new: &NewPromo) -> Result<promo_code::Model, AppError> {
    let code = promo_code(&new.code);
    if !(3..=MAX_PROMO_LEN).contains(&code.len())
        || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::invalid("code", "A code is 3 to 40 letters, digits, dashes or underscores."));
    }
    let (kind, value) = match (new.percent, new.fixed) {
        (Some(p), None) if (1..=100).contains(&p) => ("percent", p),
        (None, Some(f)) if f > 0 => ("fixed", f),
        _ => return Err(AppError::invalid("value", "Give either a percent off (1 to 100) or an amount off above 0.")),
    };
    if new.min_subtotal < 0 || new.usage_limit.is_some_and(|l| l < 1) {
        return Err(AppError::invalid("limits", "The minimum must be 0 or more and the limit 1 or more."));
    }
    crate::write_retry!(db, |txn| {
        let inserted = promo_code::ActiveModel {
            code: Set(code.clone()),
            kind: Set(kind.into()),
            value: Set(value),
            min_subtotal: Set(new.min_subtotal),
            expires_at: Set(new.expires_at),
            usage_limit: Set(new.usage_limit),
            used_count: Set(0),
            active: Set(true),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(txn)
        .await;
        let row = match inserted {
            Ok(row) => row,
            Err(error) if crate::server::db::is_unique_violation(&error) => {
                return Ok(Err(AppError::invalid("code", format!("{code} already exists."))));
            }
            Err(error) => return Err(error),
        };
        let after = json!({ "code": row.code, "discount": discount(&row), "terms": terms_of(&row) });
        let change = Change { action: "promo_created", subject: Subject::Promo(row.id), before: Value::Null, after };
        audit::record(txn, actor, change).await?;
        Ok(Ok(row))
    })
}

/// Changes a code's terms (nothing, and no audit entry, when they are the same). A usage limit below
/// the uses already counted is refused: those orders exist.
pub async fn update(db: &DatabaseConnection, actor: &Actor, id: i32, terms: &Terms) -> Result<(), AppError> {
    crate::write_retry!(db, |txn| {
        let Some(before) = promo_code::Entity::find_by_id(id).one(txn).await? else {
            return Ok(Err(AppError::NotFound));
        };
        if terms.usage_limit.is_some_and(|limit| limit < before.used_count) {
            let message = format!("{} orders have used this code: the limit cannot be below that.", before.used_count);
            return Ok(Err(AppError::invalid("limit", message)));
        }
        let mut row: promo_code::ActiveModel = before.clone().into();
        row.min_subtotal = Set(terms.min_subtotal);
        row.expires_at = Set(terms.expires_at);
        row.usage_limit = Set(terms.usage_limit);
        row.active = Set(terms.active);
        let after = row.update(txn).await?;
        if terms_of(&after) != terms_of(&before) {
            let change = Change {
                action: "promo_updated",
                subject: Subject::Promo(id),
                before: terms_of(&before),
                after: terms_of(&after),
            };
            audit::record(txn, actor, change).await?;
        }
        Ok(Ok(()))
    })
}

/// Ends a code now: carts holding it are told it has expired, and no new order can use it. Refused
/// (409) when it has already ended.
pub async fn expire_now(db: &DatabaseConnection, actor: &Actor, id: i32) -> Result<(), AppError> {
    crate::write_retry!(db, |txn| {
        let Some(before) = promo_code::Entity::find_by_id(id).one(txn).await? else {
            return Ok(Err(AppError::NotFound));
        };
        let now = chrono::Utc::now();
        if before.expires_at.is_some_and(|at| at <= now) {
            return Ok(Err(AppError::Conflict(format!("{} has already expired.", before.code))));
        }
        let mut row: promo_code::ActiveModel = before.clone().into();
        row.expires_at = Set(Some(now));
        let after = row.update(txn).await?;
        let change = Change {
            action: "promo_expired",
            subject: Subject::Promo(id),
            before: terms_of(&before),
            after: terms_of(&after),
        };
        audit::record(txn, actor, change).await?;
        Ok(Ok(()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_read_from_the_form_or_refused_with_the_field_named() {
        let terms = Terms::parse(" 25.50 ", "2027-01-31", "100", true).unwrap();
        assert_eq!(terms.min_subtotal, 2550);
        assert_eq!(terms.expires_at.unwrap().to_rfc3339(), "2027-01-31T00:00:00+00:00");
        assert_eq!(terms.usage_limit, Some(100));
        let open = Terms::parse("", "", "", false).unwrap();
        assert_eq!(open, Terms { min_subtotal: 0, expires_at: None, usage_limit: None, active: false });
        for (min, ends, limit, field) in [
            ("-1", "", "", "min"),
            ("ten", "", "", "min"),
            ("", "31/01/2027", "", "ends"),
            ("", "2027-02-30", "", "ends"),
            ("", "", "0", "limit"),
            ("", "", "1.5", "limit"),
            ("", "", "99999999999", "limit"),
        ] {
            let error = Terms::parse(min, ends, limit, true).unwrap_err();
            assert!(error.field(field).is_some(), "{min:?} {ends:?} {limit:?}: {error:?}");
        }
    }

    #[test]
    fn a_new_code_is_a_percent_or_an_amount_off() {
        let terms = Terms::parse("", "", "", true).unwrap();
        let percent = parse_new("SPRING", "percent", "15", &terms).unwrap();
        assert_eq!((percent.percent, percent.fixed), (Some(15), None));
        let fixed = parse_new("FIVE", "fixed", "5.50", &terms).unwrap();
        assert_eq!((fixed.percent, fixed.fixed), (None, Some(550)));
        assert!(parse_new("X", "percent", "ten", &terms).unwrap_err().field("value").is_some());
        assert!(parse_new("X", "fixed", "-5", &terms).unwrap_err().field("value").is_some());
        assert!(parse_new("X", "bogo", "1", &terms).unwrap_err().field("kind").is_some());
    }

    #[test]
    fn a_codes_state_says_why_it_does_not_work() {
        let now = chrono::Utc::now();
        let row = promo_code::Model {
            id: 1,
            code: "SPRING".into(),
            kind: "percent".into(),
            value: 15,
            min_subtotal: 0,
            expires_at: None,
            usage_limit: None,
            used_count: 0,
            active: true,
            created_at: now,
        };
        assert_eq!(PromoState::of(&row, now), PromoState::Live);
        assert_eq!(discount(&row), "15% off");
        let paused = promo_code::Model { active: false, ..row.clone() };
        assert_eq!(PromoState::of(&paused, now), PromoState::Paused);
        let used_up = promo_code::Model { usage_limit: Some(2), used_count: 2, ..row.clone() };
        assert_eq!(PromoState::of(&used_up, now), PromoState::UsedUp);
        let ended = promo_code::Model { expires_at: Some(now), active: false, ..row.clone() };
        assert_eq!(PromoState::of(&ended, now), PromoState::Expired, "the end comes first");
        let fixed = promo_code::Model { kind: "fixed".into(), value: 550, ..row };
        assert!(discount(&fixed).contains("5.50 off"), "{}", discount(&fixed));
    }
}
