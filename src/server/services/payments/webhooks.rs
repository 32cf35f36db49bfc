//! The provider's signed webhooks: `Stripe-Signature` checked in constant time (RustCrypto's `hmac`),
//! each event applied exactly once through the inbox, in any order.

use hmac::{Hmac, KeyInit, Mac};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use sha2::Sha256;

use super::pay::settle_session;
use super::provider::{Intent, Session};
use crate::error::AppError;
use crate::server::entities::webhook_event;
use crate::server::services::mail::Shop;
use crate::server::services::orders::lifecycle::{self, Details};

/// Webhooks older (or newer) than this are refused: a captured request cannot be replayed later.
pub const SIGNATURE_TOLERANCE_SECS: i64 = 300;

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    mac
}

/// The `Stripe-Signature` header for a body sent at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", hex::encode(mac(secret, timestamp, body).finalize().into_bytes()))
}

/// Checks a `Stripe-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>` (any
/// of several v1 may match), no further than the tolerance from `now`.
pub fn verify_signature(secret: &str, header: &str, body: &[u8], now: i64) -> Result<(), &'static str> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or("no timestamp")?;
    if (now - timestamp).abs() > SIGNATURE_TOLERANCE_SECS {
        return Err("timestamp outside the tolerance");
    }
    let expected = mac(secret, timestamp, body);
    if signatures.iter().any(|s| expected.clone().verify_slice(s).is_ok()) {
        Ok(())
    } else {
        Err("no matching signature")
    }
}

/// Applies a verified event exactly once: its id goes into the inbox in the same transaction as its
/// effect, so a redelivery (even a concurrent one) finds it there and changes nothing. Events may
/// come in any order: each effect is a lifecycle transition that never undoes a later state. Returns
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
        let outcome = match kind {
            "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
                match Session::from_json(&object) {
                    Some(session) => settle_session(txn, shop, &session).await?,
                    None => "ignored: unreadable session".to_owned(),
                }
            }
            "payment_intent.succeeded" => match Intent::from_json(&object) {
                Some(intent) => intent_succeeded(txn, shop, &intent).await?,
                None => "ignored: unreadable payment intent".to_owned(),
            },
            "payment_intent.payment_failed" => match Intent::from_json(&object) {
                Some(intent) => match super::order_of_intent(txn, &intent).await? {
                    Some(order) => {
                        let message = intent.last_error.as_deref().unwrap_or("Your card was declined.");
                        lifecycle::record_failure(txn, order.id, message).await?
                    }
                    None => "no such order".to_owned(),
                },
                None => "ignored: unreadable payment intent".to_owned(),
            },
            // A partial refund (a goodwill gesture) leaves the order as it is.
            "charge.refunded" if object.get("refunded").and_then(Value::as_bool) != Some(true) => {
                "ignored: partial refund".to_owned()
            }
            "charge.refunded" => match object.get("payment_intent").and_then(Value::as_str) {
                Some(intent_id) => match super::order_with_intent(txn, intent_id).await? {
                    Some(order) => lifecycle::record_refund(txn, order.id, "").await?,
                    None => "no such order".to_owned(),
                },
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

/// A succeeded PaymentIntent (the same news as a completed session, from another event).
async fn intent_succeeded(
    txn: &impl sea_orm::ConnectionTrait,
    shop: &Shop,
    intent: &Intent,
) -> Result<String, sea_orm::DbErr> {
    let Some(order) = super::order_of_intent(txn, intent).await? else { return Ok("no such order".into()) };
    if let Some(card) = intent.card.clone() {
        lifecycle::record_card(txn, order.id, card).await?;
    }
    let details = Details { payment_intent_id: Some(intent.id.clone()), ..Details::default() };
    lifecycle::record_success(txn, shop, &order, intent.amount, details).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2, through the same crate the signatures use.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(hex::encode(mac.finalize().into_bytes()), expected);
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
        assert!(verify_signature("whsec_a", "t=1000000,v1=zz€", body, 1_000_000).is_err(), "not hex");
        let two = format!("{header},v1=deadbeef");
        assert_eq!(verify_signature("whsec_a", &two, body, 1_000_000), Ok(()), "any v1 may match");
    }
}
