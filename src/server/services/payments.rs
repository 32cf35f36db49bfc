//! Payments: the provider client (Stripe's PaymentIntents and Refunds API, form-encoded, with
//! Idempotency-Key headers), paying an order, signed webhooks applied exactly once, and the sweeper
//! for payments that arrived after their order was cancelled.
//!
//! Card numbers pass through memory on their way to the provider and are never logged or stored:
//! orders keep the brand and the last four digits. No database transaction is open while the
//! provider is called.

use std::time::Duration;

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{AppError, FieldErrors};
use crate::model::order::OrderStatus;
use crate::server::config::PaymentSettings;
use crate::server::entities::{order, order_line, variant, webhook_event};
use crate::server::hex;
use crate::server::services::checkout;
use crate::server::services::inventory::{self, Movement};
use crate::server::services::mail::{self, Shop};

/// Webhooks older (or newer) than this are refused: a captured request cannot be replayed later.
pub const SIGNATURE_TOLERANCE_SECS: i64 = 300;

// ---------------------------------------------------------------------------------------------
// Cards

/// A card as typed into the payment form. Its Debug output hides the number.
#[derive(Clone)]
pub struct Card {
    number: String,
    pub exp_month: u32,
    pub exp_year: u32,
    cvc: String,
}

impl std::fmt::Debug for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Card({} ending {})", self.brand(), self.last4())
    }
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl Card {
    /// Reads the form's fields (spaces and dashes in the number are fine; expiry as MM/YY or
    /// MM/YYYY), naming each field that is wrong.
    pub fn parse(number: &str, expiry: &str, cvc: &str, today: chrono::NaiveDate) -> Result<Card, AppError> {
        use chrono::Datelike;
        let mut errors = FieldErrors::new();
        let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) || !luhn(&digits) {
            errors.insert("number".into(), "Enter a valid card number.".into());
        }
        let (month, year) = match expiry.trim().split_once('/') {
            Some((m, y)) => (m.trim().parse::<u32>().ok(), y.trim().parse::<u32>().ok()),
            None => (None, None),
        };
        let year = year.map(|y| if y < 100 { 2000 + y } else { y });
        match (month, year) {
            (Some(m), Some(y)) if (1..=12).contains(&m) && y < 2100 => {
                if (y as i32, m) < (today.year(), today.month()) {
                    errors.insert("expiry".into(), "This card has expired.".into());
                }
            }
            _ => {
                errors.insert("expiry".into(), "Enter the expiry date as MM/YY.".into());
            }
        }
        let cvc = cvc.trim();
        if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
            errors.insert("cvc".into(), "Enter the 3 or 4 digit security code.".into());
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(Card { number: digits, exp_month: month.unwrap_or(1), exp_year: year.unwrap_or(2000), cvc: cvc.to_owned() })
    }

    pub fn brand(&self) -> &'static str {
        let n = &self.number;
        let prefix = |len: usize| n.get(..len).and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
        match () {
            _ if n.starts_with('4') => "Visa",
            _ if (51..=55).contains(&prefix(2)) || (2221..=2720).contains(&prefix(4)) => "Mastercard",
            _ if n.starts_with("34") || n.starts_with("37") => "American Express",
            _ if n.starts_with("6011") || n.starts_with("65") => "Discover",
            _ => "Card",
        }
    }

    pub fn last4(&self) -> &str {
        &self.number[self.number.len().saturating_sub(4)..]
    }
}

// ---------------------------------------------------------------------------------------------
// The provider

/// A PaymentIntent, as much of it as the store reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub id: String,
    pub status: String,
    pub amount: i64,
    pub order_id: Option<i32>,
    pub last_error: Option<String>,
}

impl Intent {
    pub fn from_json(value: &Value) -> Option<Intent> {
        Some(Intent {
            id: value.get("id")?.as_str()?.to_owned(),
            status: value.get("status")?.as_str()?.to_owned(),
            amount: value.get("amount")?.as_i64()?,
            order_id: value.pointer("/metadata/order_id").and_then(Value::as_str).and_then(|s| s.parse().ok()),
            last_error: value.pointer("/last_payment_error/message").and_then(Value::as_str).map(str::to_owned),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderError {
    /// The card was refused (402): the message is fit for the shopper.
    Card(String),
    /// The provider answered with an error that is not about the card.
    Api { status: u16, message: String },
    /// No answer (network, timeout): the request may or may not have been applied.
    Unreachable(String),
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProviderError::Card(message) => write!(f, "card refused: {message}"),
            ProviderError::Api { status, message } => write!(f, "payment provider answered {status}: {message}"),
            ProviderError::Unreachable(why) => write!(f, "payment provider unreachable: {why}"),
        }
    }
}

/// The payment provider's HTTP client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Provider {
    http: reqwest::Client,
    base: String,
    secret_key: crate::server::config::Secret,
}

impl Provider {
    pub fn new(settings: &PaymentSettings) -> Provider {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Provider { http, base: settings.api_base.clone(), secret_key: settings.secret_key.clone() }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(&str, String)],
        idempotency_key: Option<&str>,
    ) -> Result<Value, ProviderError> {
        let mut request =
            self.http.request(method.clone(), format!("{}{path}", self.base)).bearer_auth(self.secret_key.expose());
        if method == reqwest::Method::POST {
            request = request.form(form);
        }
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.map_err(|e| ProviderError::Unreachable(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.map_err(|e| ProviderError::Unreachable(e.without_url().to_string()))?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let message = body.pointer("/error/message").and_then(Value::as_str).unwrap_or("no message").to_owned();
        if status == 402 || body.pointer("/error/type").and_then(Value::as_str) == Some("card_error") {
            return Err(ProviderError::Card(message));
        }
        Err(ProviderError::Api { status, message })
    }

    fn intent(value: Value) -> Result<Intent, ProviderError> {
        Intent::from_json(&value)
            .ok_or_else(|| ProviderError::Api { status: 200, message: "unreadable payment intent".into() })
    }

    pub async fn create_intent(&self, order: &order::Model) -> Result<Intent, ProviderError> {
        let form = [
            ("amount", order.total.to_string()),
            ("currency", order.currency.to_ascii_lowercase()),
            ("metadata[order_id]", order.id.to_string()),
            ("description", format!("Order #{}", order.id)),
        ];
        // One intent per order, however often this is called.
        let key = format!("intent-{}", order.token);
        Self::intent(self.call(reqwest::Method::POST, "/v1/payment_intents", &form, Some(&key)).await?)
    }

    pub async fn retrieve_intent(&self, id: &str) -> Result<Intent, ProviderError> {
        Self::intent(self.call(reqwest::Method::GET, &format!("/v1/payment_intents/{id}"), &[], None).await?)
    }

    pub async fn confirm_intent(&self, id: &str, card: &Card, attempt_key: &str) -> Result<Intent, ProviderError> {
        let form = [
            ("payment_method_data[type]", "card".to_owned()),
            ("payment_method_data[card][number]", card.number.clone()),
            ("payment_method_data[card][exp_month]", card.exp_month.to_string()),
            ("payment_method_data[card][exp_year]", card.exp_year.to_string()),
            ("payment_method_data[card][cvc]", card.cvc.clone()),
        ];
        let path = format!("/v1/payment_intents/{id}/confirm");
        Self::intent(self.call(reqwest::Method::POST, &path, &form, Some(&format!("confirm-{attempt_key}"))).await?)
    }

    pub async fn cancel_intent(&self, id: &str) -> Result<Intent, ProviderError> {
        let path = format!("/v1/payment_intents/{id}/cancel");
        Self::intent(self.call(reqwest::Method::POST, &path, &[], Some(&format!("cancel-{id}"))).await?)
    }

    /// Refunds an intent in full; returns the refund's id.
    pub async fn refund(&self, intent_id: &str) -> Result<String, ProviderError> {
        let form = [("payment_intent", intent_id.to_owned())];
        let body = self.call(reqwest::Method::POST, "/v1/refunds", &form, Some(&format!("refund-{intent_id}"))).await?;
        Ok(body.get("id").and_then(Value::as_str).unwrap_or_default().to_owned())
    }
}

/// The provider and what mails say about the shop: what paying needs.
#[derive(Clone, Debug)]
pub struct Payments {
    pub provider: Provider,
    pub shop: Shop,
    pub webhook_secret: crate::server::config::Secret,
}

// ---------------------------------------------------------------------------------------------
// Paying an order

/// What a shopper whose payment came after the hold is told (the sweeper settles it).
pub const LATE_PAYMENT: &str = "Your payment arrived after the time to pay ran out. Within a few minutes we either \
                                confirm your order (if the items are still available) or refund your card in full.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paid {
    Now,
    Already,
}

/// Pays a pending order with a card. A refused card leaves the order payable (within its hold) and
/// records why; `attempt_key` makes a double submit of one form one charge.
pub async fn pay(
    db: &DatabaseConnection,
    payments: &Payments,
    token: &str,
    card: &Card,
    attempt_key: &str,
) -> Result<Paid, AppError> {
    let order =
        order::Entity::find().filter(order::Column::Token.eq(token)).one(db).await?.ok_or(AppError::NotFound)?;
    match OrderStatus::parse(&order.status) {
        Some(OrderStatus::Paid | OrderStatus::Fulfilled) => return Ok(Paid::Already),
        Some(OrderStatus::PendingPayment) if order.hold_expires_at > chrono::Utc::now() => {}
        _ => {
            return Err(AppError::Conflict(
                "The time to pay for this order ran out and it was cancelled. Your card was not charged.".into(),
            ));
        }
    }
    if attempt_key.is_empty() || attempt_key.len() > 100 {
        return Err(AppError::invalid("attempt", "This payment form has expired. Please reload the page."));
    }
    let intent_id = ensure_intent(db, payments, &order).await?;
    let confirmed = match payments.provider.confirm_intent(&intent_id, card, attempt_key).await {
        // The answer may have been lost after the charge went through (or an earlier attempt succeeded):
        // the intent itself says.
        Err(err @ (ProviderError::Api { .. } | ProviderError::Unreachable(_))) => {
            match payments.provider.retrieve_intent(&intent_id).await {
                Ok(intent) if intent.status == "succeeded" => Ok(intent),
                _ => Err(err),
            }
        }
        other => other,
    };
    match confirmed {
        Ok(intent) if intent.status == "succeeded" => {
            let card = Some((card.brand(), card.last4()));
            crate::write_retry!(db, |txn| { Ok(Ok(record_success(txn, &payments.shop, &intent, card).await?)) })?;
            let now = order::Entity::find_by_id(order.id).one(db).await?.ok_or(AppError::Internal)?;
            match OrderStatus::parse(&now.status) {
                Some(OrderStatus::Paid | OrderStatus::Fulfilled) => Ok(Paid::Now),
                _ => Err(AppError::Conflict(LATE_PAYMENT.into())),
            }
        }
        Ok(intent) => {
            tracing::warn!(order_id = order.id, status = %intent.status, "payment not finished after confirm");
            Err(AppError::Conflict(
                "Your payment is still being processed. Please refresh this page in a moment.".into(),
            ))
        }
        Err(ProviderError::Card(message)) => {
            let message = format!("{message} Please try another card.");
            order::Entity::update_many()
                .col_expr(order::Column::PaymentError, Expr::value(message.clone()))
                .col_expr(order::Column::PaymentStatus, Expr::value("failed"))
                .filter(order::Column::Id.eq(order.id))
                .filter(order::Column::PaymentStatus.is_in(["unpaid", "failed"]))
                .exec(db)
                .await?;
            Err(AppError::invalid("number", message))
        }
        Err(err) => {
            tracing::error!(order_id = order.id, error = %err, "payment failed");
            Err(AppError::Conflict("We couldn't reach the payment service. Please try again in a moment.".into()))
        }
    }
}

/// The order's PaymentIntent, created on first need (the same one however often, thanks to the
/// idempotency key).
async fn ensure_intent(db: &DatabaseConnection, payments: &Payments, order: &order::Model) -> Result<String, AppError> {
    if let Some(id) = &order.payment_intent_id {
        return Ok(id.clone());
    }
    let intent = payments.provider.create_intent(order).await.map_err(|err| {
        tracing::error!(order_id = order.id, error = %err, "could not create a payment intent");
        AppError::Conflict("We couldn't reach the payment service. Please try again in a moment.".into())
    })?;
    order::Entity::update_many()
        .col_expr(order::Column::PaymentIntentId, Expr::value(intent.id.clone()))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::PaymentIntentId.is_null())
        .exec(db)
        .await?;
    Ok(intent.id)
}

/// The order an intent pays for: by the intent id the store recorded, else by its metadata.
async fn order_of(txn: &impl ConnectionTrait, intent: &Intent) -> Result<Option<order::Model>, DbErr> {
    if let Some(order) = order::Entity::find().filter(order::Column::PaymentIntentId.eq(&intent.id)).one(txn).await? {
        return Ok(Some(order));
    }
    match intent.order_id {
        Some(id) => order::Entity::find_by_id(id).one(txn).await,
        None => Ok(None),
    }
}

/// A succeeded payment: the order becomes paid (once, whoever tells first: the payment form, the
/// webhook or the sweeper) and its confirmation mail is queued. A payment for an order that was
/// cancelled meanwhile is recorded for the sweeper. Returns what happened, for the webhook inbox.
pub async fn record_success(
    txn: &DatabaseTransaction,
    shop: &Shop,
    intent: &Intent,
    card: Option<(&str, &str)>,
) -> Result<String, DbErr> {
    let Some(order) = order_of(txn, intent).await? else { return Ok("no such order".into()) };
    if intent.amount != order.total {
        tracing::error!(
            order_id = order.id,
            paid = intent.amount,
            total = order.total,
            "payment amount differs from the order total"
        );
        return Ok("amount differs from the order total; left for review".into());
    }
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::PaymentStatus, Expr::value("succeeded"))
        .col_expr(order::Column::PaymentError, Expr::value(""))
        .col_expr(order::Column::PaymentIntentId, Expr::value(intent.id.clone()))
        .filter(order::Column::Id.eq(order.id))
        // A refund already recorded (or under way) stays, whatever order the events come in.
        .filter(order::Column::PaymentStatus.is_not_in(["refunded", "refunding"]));
    if let Some((brand, last4)) = card {
        update = update
            .col_expr(order::Column::CardBrand, Expr::value(brand))
            .col_expr(order::Column::CardLast4, Expr::value(last4));
    }
    if update.exec(txn).await?.rows_affected != 1 {
        return Ok("ignored: the payment was already refunded".into());
    }
    if mark_paid(txn, shop, order.id, OrderStatus::PendingPayment).await? {
        return Ok("paid".into());
    }
    Ok(format!("payment recorded; order was {}", order.status))
}

/// `from` → paid, conditionally (so only one caller does it), and the confirmation mail queued.
async fn mark_paid(txn: &DatabaseTransaction, shop: &Shop, order_id: i32, from: OrderStatus) -> Result<bool, DbErr> {
    debug_assert!(from.can_become(OrderStatus::Paid));
    let now = chrono::Utc::now();
    let changed = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(OrderStatus::Paid.as_str()))
        .col_expr(order::Column::PaidAt, Expr::value(now))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await?;
    if changed.rows_affected != 1 {
        return Ok(false);
    }
    if let Some(order) = order::Entity::find_by_id(order_id).one(txn).await? {
        mail::queue_order_confirmation(txn, shop, &order).await?;
    }
    Ok(true)
}

/// A refused payment: shown on the order's page while it can still be paid.
async fn record_failure(txn: &DatabaseTransaction, intent: &Intent) -> Result<String, DbErr> {
    let Some(order) = order_of(txn, intent).await? else { return Ok("no such order".into()) };
    let message = intent.last_error.clone().unwrap_or_else(|| "Your card was declined.".into());
    let changed = order::Entity::update_many()
        .col_expr(order::Column::PaymentStatus, Expr::value("failed"))
        .col_expr(order::Column::PaymentError, Expr::value(message))
        .filter(order::Column::Id.eq(order.id))
        // A late failure never hides a success or a refund.
        .filter(order::Column::PaymentStatus.is_in(["unpaid", "failed"]))
        .exec(txn)
        .await?;
    Ok(if changed.rows_affected == 1 { "failure recorded".into() } else { "ignored: payment already settled".into() })
}

/// A refund made at the provider (by the sweeper, or by staff in the provider's dashboard).
async fn record_refund(txn: &DatabaseTransaction, intent_id: &str, note: &str) -> Result<String, DbErr> {
    let Some(order) = order::Entity::find().filter(order::Column::PaymentIntentId.eq(intent_id)).one(txn).await? else {
        return Ok("no such order".into());
    };
    order::Entity::update_many()
        .col_expr(order::Column::PaymentStatus, Expr::value("refunded"))
        .filter(order::Column::Id.eq(order.id))
        .exec(txn)
        .await?;
    let status = OrderStatus::parse(&order.status);
    if let Some(status) = status.filter(|s| s.can_become(OrderStatus::Refunded)) {
        let mut update = order::Entity::update_many()
            .col_expr(order::Column::Status, Expr::value(OrderStatus::Refunded.as_str()))
            .col_expr(order::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
            .filter(order::Column::Id.eq(order.id))
            .filter(order::Column::Status.eq(status.as_str()));
        if !note.is_empty() {
            update = update.col_expr(order::Column::Note, Expr::value(note));
        }
        update.exec(txn).await?;
        return Ok("refunded".into());
    }
    Ok(format!("refund recorded; order was {}", order.status))
}

// ---------------------------------------------------------------------------------------------
// Webhooks

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

/// Equal bytes, in time that depends only on the length (no early exit on the first difference).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `Stripe-Signature` header for a body sent at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut message = format!("{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    format!("t={timestamp},v1={}", hex(&hmac_sha256(secret.as_bytes(), &message)))
}

/// Checks a `Stripe-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>` (any
/// of several v1 may match), no further than the tolerance from `now`.
pub fn verify_signature(secret: &str, header: &str, body: &[u8], now: i64) -> Result<(), &'static str> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.push(value.to_owned()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or("no timestamp")?;
    if (now - timestamp).abs() > SIGNATURE_TOLERANCE_SECS {
        return Err("timestamp outside the tolerance");
    }
    let mut message = format!("{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    let expected = hex(&hmac_sha256(secret.as_bytes(), &message));
    if signatures.iter().any(|s| constant_time_eq(s.as_bytes(), expected.as_bytes())) {
        Ok(())
    } else {
        Err("no matching signature")
    }
}

/// Applies a verified event exactly once: its id goes into the inbox in the same transaction as its
/// effect, so a redelivery (even a concurrent one) finds it there and changes nothing. Events may
/// come in any order: each effect is a conditional update that never undoes a later state. Returns
/// the outcome recorded in the inbox.
pub async fn apply_event(db: &DatabaseConnection, shop: &Shop, event: &Value) -> Result<String, AppError> {
    let id = event.get("id").and_then(Value::as_str).filter(|id| !id.is_empty() && id.len() <= 255);
    let kind = event.get("type").and_then(Value::as_str).unwrap_or_default();
    let Some(id) = id else { return Err(AppError::invalid("id", "The event has no id.")) };
    let object = event.pointer("/data/object").cloned().unwrap_or(Value::Null);
    crate::write_retry!(db, |txn| {
        let inbox = webhook_event::ActiveModel {
            id: Set(id.to_owned()),
            event_type: Set(kind.chars().take(255).collect()),
            outcome: Set(String::new()),
            received_at: Set(chrono::Utc::now()),
        };
        let conflict = OnConflict::column(webhook_event::Column::Id).do_nothing().to_owned();
        let inserted = webhook_event::Entity::insert(inbox).on_conflict(conflict).exec_without_returning(txn).await?;
        if inserted == 0 {
            return Ok(Ok("duplicate: already applied".to_owned()));
        }
        let outcome = match (kind, Intent::from_json(&object)) {
            ("payment_intent.succeeded", Some(intent)) => record_success(txn, shop, &intent, None).await?,
            ("payment_intent.payment_failed", Some(intent)) => record_failure(txn, &intent).await?,
            // A partial refund (a goodwill gesture) leaves the order as it is.
            ("charge.refunded", _) if object.get("refunded").and_then(Value::as_bool) != Some(true) => {
                "ignored: partial refund".to_owned()
            }
            ("charge.refunded", _) => match object.get("payment_intent").and_then(Value::as_str) {
                Some(intent_id) => record_refund(txn, intent_id, "").await?,
                None => "ignored: no payment intent".to_owned(),
            },
            _ => format!("ignored: {kind} is not handled"),
        };
        webhook_event::Entity::update_many()
            .col_expr(webhook_event::Column::Outcome, Expr::value(outcome.clone()))
            .filter(webhook_event::Column::Id.eq(id))
            .exec(txn)
            .await?;
        Ok(Ok(outcome))
    })
}

// ---------------------------------------------------------------------------------------------
// The sweeper

/// Orders whose payment succeeded after they were cancelled (the hold ran out first): each gets its
/// stock back and becomes paid when every line is still there, and is refunded through the provider
/// otherwise, with the reason noted on the order. Safe on several nodes at once: reviving and refunding
/// each start by claiming the order with a conditional update. Returns (revived, refunded).
pub async fn sweep(db: &DatabaseConnection, payments: &Payments) -> Result<(usize, usize), AppError> {
    let now = chrono::Utc::now();
    // A refund claimed by a node that died before finishing it is taken up again after 5 minutes (the
    // provider's idempotency key makes the second request the same refund).
    let stale_claim = now - chrono::Duration::minutes(5);
    let stranded = order::Entity::find()
        .filter(order::Column::Status.eq(OrderStatus::Cancelled.as_str()))
        .filter(
            sea_orm::Condition::any().add(order::Column::PaymentStatus.eq("succeeded")).add(
                sea_orm::Condition::all()
                    .add(order::Column::PaymentStatus.eq("refunding"))
                    .add(order::Column::UpdatedAt.lt(stale_claim)),
            ),
        )
        .order_by_asc(order::Column::Id)
        .all(db)
        .await?;
    let (mut revived, mut refunded) = (0, 0);
    for order in stranded {
        if order.payment_status == "succeeded" {
            match crate::write_retry!(db, |txn| { revive(txn, &payments.shop, order.id).await }) {
                Ok(true) => {
                    revived += 1;
                    continue;
                }
                Ok(false) => continue,
                Err(AppError::Validation(_)) => {}
                Err(err) => {
                    tracing::warn!(order_id = order.id, error = %err, "could not settle a late payment");
                    continue;
                }
            }
        }
        let Some(intent_id) = order.payment_intent_id.as_deref() else { continue };
        // Exactly one node refunds: the one whose claim changes the row.
        let claimed = order::Entity::update_many()
            .col_expr(order::Column::PaymentStatus, Expr::value("refunding"))
            .col_expr(order::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
            .filter(order::Column::Id.eq(order.id))
            .filter(order::Column::Status.eq(OrderStatus::Cancelled.as_str()))
            .filter(order::Column::PaymentStatus.eq(order.payment_status.clone()))
            .filter(order::Column::UpdatedAt.eq(order.updated_at))
            .exec(db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        // No transaction is open while the provider is called.
        match payments.provider.refund(intent_id).await {
            Ok(_) => {
                let note = "Refunded automatically: the payment arrived after the order's hold ran out and the \
                            items were no longer in stock.";
                crate::write_retry!(db, |txn| { Ok(Ok(record_refund(txn, intent_id, note).await?)) })?;
                refunded += 1;
            }
            Err(err) => {
                // The refund may have happened (a timeout): the order stays `refunding`, never to be
                // revived, and the same refund (same idempotency key) is asked for again in 5 minutes.
                tracing::error!(order_id = order.id, error = %err, "could not refund a late payment; will retry");
                order::Entity::update_many()
                    .col_expr(order::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
                    .filter(order::Column::Id.eq(order.id))
                    .filter(order::Column::PaymentStatus.eq("refunding"))
                    .exec(db)
                    .await?;
            }
        }
    }
    Ok((revived, refunded))
}

/// Claims a cancelled, paid-for order, re-takes its stock (all lines or none: a refusal rolls back)
/// and marks it paid. False when another node settled it first.
async fn revive(txn: &DatabaseTransaction, shop: &Shop, order_id: i32) -> Result<Result<bool, AppError>, DbErr> {
    let claimed = order::Entity::update_many()
        .col_expr(order::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::Status.eq(OrderStatus::Cancelled.as_str()))
        .filter(order::Column::PaymentStatus.eq("succeeded"))
        .exec(txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(Ok(false));
    }
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::VariantId)
        .all(txn)
        .await?;
    for line in &lines {
        // The customer has paid: the units are taken again if they are on hand, sold or not.
        if !inventory::take(txn, line.variant_id, line.quantity, false).await? {
            return Ok(Err(AppError::invalid(&format!("line:{}", line.sku), "out of stock")));
        }
        if let Some(variant) = variant::Entity::find_by_id(line.variant_id).one(txn).await? {
            let movement = Movement {
                variant_id: variant.id,
                product_id: variant.product_id,
                delta: -line.quantity,
                stock_after: variant.stock,
            };
            inventory::record(txn, movement, "order_revived", Some(order_id)).await?;
        }
    }
    if !mark_paid(txn, shop, order_id, OrderStatus::Cancelled).await? {
        return Ok(Ok(false));
    }
    let order = order::Entity::find_by_id(order_id).one(txn).await?;
    if let Some(order) = order.filter(|o| !o.promo_code.is_empty()) {
        // The code's use, given back at cancellation, is counted again (the order keeps its discount).
        checkout::count_promo_use(txn, &order.promo_code, chrono::Utc::now(), false).await?;
    }
    order::Entity::update_many()
        .col_expr(order::Column::Note, Expr::value("Paid after its hold ran out; the items were still in stock."))
        .filter(order::Column::Id.eq(order_id))
        .exec(txn)
        .await?;
    Ok(Ok(true))
}

/// Test hook and admin aid: the order for a token.
pub async fn find_order(db: &impl ConnectionTrait, token: &str) -> Result<Option<order::Model>, AppError> {
    Ok(order::Entity::find().filter(order::Column::Token.eq(token)).one(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex(&mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Test case 6: a key longer than the block.
        let mac = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(hex(&mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    #[test]
    fn signatures_are_checked_for_secret_body_and_age() {
        let body = br#"{"id":"evt_1"}"#;
        let header = sign("whsec_a", 1_000_000, body);
        assert_eq!(verify_signature("whsec_a", &header, body, 1_000_100), Ok(()));
        assert!(verify_signature("whsec_b", &header, body, 1_000_100).is_err(), "other secret");
        assert!(verify_signature("whsec_a", &header, br#"{"id":"evt_2"}"#, 1_000_100).is_err(), "other body");
        assert!(verify_signature("whsec_a", &header, body, 1_000_301).is_err(), "stale");
        assert!(verify_signature("whsec_a", "v1=00", body, 1_000_000).is_err(), "no timestamp");
        let two = format!("{header},v1=deadbeef");
        assert_eq!(verify_signature("whsec_a", &two, body, 1_000_000), Ok(()), "any v1 may match");
    }

    #[test]
    fn cards_are_read_and_never_shown_whole() {
        let card = Card::parse("4242 4242 4242 4242", "12/34", "123", today()).unwrap();
        assert_eq!((card.brand(), card.last4(), card.exp_year), ("Visa", "4242", 2034));
        assert!(!format!("{card:?}").contains("42424242"));
        let errors = Card::parse("4242 4242 4242 4241", "13/20", "1", today()).unwrap_err();
        for field in ["number", "expiry", "cvc"] {
            assert!(errors.field(field).is_some(), "{field}");
        }
        assert_eq!(
            Card::parse("4242424242424242", "10/26", "123", today()).unwrap_err().field("expiry"),
            Some("This card has expired.")
        );
        assert_eq!(Card::parse("5555555555554444", "11/26", "123", today()).unwrap().brand(), "Mastercard");
    }
}
