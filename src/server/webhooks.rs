//! POST /webhooks/payments: the payment provider's events. The signature is checked first (a bad or
//! stale one is answered 400 and changes nothing); each event is then applied exactly once.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::metrics;
use super::services::payments::{apply_event, verify_signature};
use super::state::AppState;

/// Events larger than this are refused (Stripe's are a few KB).
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

pub async fn payments(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let refuse = |why: &str| (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": why }))).into_response();
    let Some(signature) = headers.get("stripe-signature").and_then(|v| v.to_str().ok()) else {
        metrics::webhook_refused();
        return refuse("missing Stripe-Signature header");
    };
    let secret = state.payments.webhook_secret.expose();
    if let Err(why) = verify_signature(secret, signature, &body, chrono::Utc::now().timestamp()) {
        tracing::warn!(why, "refused a webhook with a bad signature");
        metrics::webhook_refused();
        return refuse("invalid signature");
    }
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(&body) else { return refuse("the body is not JSON") };
    match apply_event(&state.db, &state.payments.shop, &event).await {
        Ok(outcome) => {
            if outcome.starts_with("duplicate") {
                metrics::webhook_duplicate();
            } else if event["type"] == "payment_intent.payment_failed" {
                metrics::payment_declined();
            }
            tracing::info!(event = %event["id"], kind = %event["type"], %outcome, "webhook applied");
            (StatusCode::OK, axum::Json(json!({ "received": true, "outcome": outcome }))).into_response()
        }
        // The provider retries anything but 2xx.
        Err(err) => err.into_response(),
    }
}
