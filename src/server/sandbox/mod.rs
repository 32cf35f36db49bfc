//! A payment provider for development and tests, served by the store itself under /sandbox/stripe
//! (never in production: mounted only when development is chosen). It speaks the part of Stripe's API the
//! store uses — Checkout Sessions (create, retrieve, expire), PaymentIntents (retrieve) and Refunds
//! (create), form-encoded, Bearer secret key, Idempotency-Key — and serves the hosted payment page a
//! Checkout Session sends the shopper to (`/sandbox/stripe/pay/{session}`), with Stripe's test cards:
//!
//! | card                | result                                    |
//! |---------------------|-------------------------------------------|
//! | 4242 4242 4242 4242 | succeeds                                  |
//! | 4000 0000 0000 0002 | declined (`card_declined`, generic)       |
//! | 4000 0000 0000 9995 | declined (`insufficient_funds`)           |
//! | other valid numbers | succeed                                   |
//!
//! and sends webhooks as Stripe does: signed (`Stripe-Signature`), retried with backoff until the store
//! answers 2xx. Its state lives in the store's database (`sandbox_*` tables, never a card number), so it
//! survives restarts and every app node serves the same sessions.

mod card;
mod sessions;

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::db::begin_write;
use super::entities::{sandbox_idempotency, sandbox_object, sandbox_webhook};
use super::services::payments::sign;
use super::state::AppState;

type Answer = (StatusCode, Value);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sandbox/stripe/v1/checkout/sessions", post(sessions::create))
        .route("/sandbox/stripe/v1/checkout/sessions/{id}", get(sessions::retrieve))
        .route("/sandbox/stripe/v1/checkout/sessions/{id}/expire", post(sessions::expire))
        .route("/sandbox/stripe/pay/{id}", get(sessions::page).post(sessions::pay))
        .route("/sandbox/stripe/v1/payment_intents/{id}", get(retrieve_intent))
        .route("/sandbox/stripe/v1/refunds", post(create_refund))
}

fn error(status: StatusCode, kind: &str, code: &str, message: &str) -> Answer {
    (status, json!({ "error": { "type": kind, "code": code, "message": message } }))
}

fn reply((status, body): Answer) -> Response {
    (status, axum::Json(body)).into_response()
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}_{:024x}", rand::random::<u128>() >> 32)
}

fn form(body: &Bytes) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default().into_iter().collect()
}

/// The secret key must be the configured one (Bearer, as Stripe takes it).
fn authorized(state: &AppState, headers: &HeaderMap) -> bool {
    let expected = format!("Bearer {}", state.settings.payments.secret_key.expose());
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some(expected.as_str())
}

/// Runs `op` once per Idempotency-Key: a repeat gets the first answer, a repeat with other parameters
/// a 400 (Stripe's rules). `op` and the answer kept for its key are one transaction, so a crash keeps
/// both or neither, as a provider that is not in the store's process would: a request whose answer was
/// lost runs again. Two at once with one key: one commits its answer, the other's work is rolled back
/// and it answers the first's.
async fn idempotent<F>(state: &AppState, headers: &HeaderMap, request: String, op: F) -> Response
where
    F: AsyncFnOnce(&DatabaseTransaction) -> Result<Answer, sea_orm::DbErr>,
{
    if !authorized(state, headers) {
        return reply(error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "api_key_invalid",
            "Invalid API Key provided.",
        ));
    }
    // Only a digest of the request is kept: it holds card numbers.
    let request = hex::encode(Sha256::digest(request.as_bytes()));
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    reply(once(&state.db, key, request, op).await.unwrap_or_else(|e| internal(&e)))
}

async fn once<F>(db: &DatabaseConnection, key: Option<String>, request: String, op: F) -> Result<Answer, sea_orm::DbErr>
where
    F: AsyncFnOnce(&DatabaseTransaction) -> Result<Answer, sea_orm::DbErr>,
{
    if let Some(key) = &key
        && let Some(first) = sandbox_idempotency::Entity::find_by_id(key.clone()).one(db).await?
    {
        return Ok(repeat(&first, &request));
    }
    let txn = begin_write(db).await?;
    // Like Stripe, a server error is not kept: the retry runs again.
    let answer = op(&txn).await?;
    let Some(key) = key else {
        txn.commit().await?;
        return Ok(answer);
    };
    let (status, body) = &answer;
    let kept = sandbox_idempotency::ActiveModel {
        key: Set(key.clone()),
        request: Set(request.clone()),
        status: Set(i32::from(status.as_u16())),
        response: Set(body.to_string()),
        created_at: Set(chrono::Utc::now()),
    };
    let conflict = OnConflict::column(sandbox_idempotency::Column::Key).do_nothing().to_owned();
    if sandbox_idempotency::Entity::insert(kept).on_conflict(conflict).exec_without_returning(&txn).await? == 1 {
        txn.commit().await?;
        return Ok(answer);
    }
    txn.rollback().await?;
    match sandbox_idempotency::Entity::find_by_id(key).one(db).await? {
        Some(first) => Ok(repeat(&first, &request)),
        None => Ok(error(StatusCode::CONFLICT, "idempotency_error", "retry", "Please retry.")),
    }
}

/// The answer to a request whose key was used before.
fn repeat(first: &sandbox_idempotency::Model, request: &str) -> Answer {
    if first.request != request {
        return error(
            StatusCode::BAD_REQUEST,
            "idempotency_error",
            "idempotency_key_in_use",
            "Keys for idempotent requests can only be used with the same parameters they were first used with.",
        );
    }
    let status = u16::try_from(first.status).ok().and_then(|s| StatusCode::from_u16(s).ok());
    (status.unwrap_or(StatusCode::OK), serde_json::from_str(&first.response).unwrap_or(Value::Null))
}

fn internal(err: &sea_orm::DbErr) -> Answer {
    tracing::error!(error = %err, "sandbox: database error");
    error(StatusCode::INTERNAL_SERVER_ERROR, "api_error", "internal", "An error occurred in the payment sandbox.")
}

async fn load(db: &impl ConnectionTrait, id: &str, kind: &str) -> Result<Option<Value>, sea_orm::DbErr> {
    Ok(load_versioned(db, id, kind).await?.map(|(object, _)| object))
}

/// An object and its version (when it was last saved).
async fn load_versioned(
    db: &impl ConnectionTrait,
    id: &str,
    kind: &str,
) -> Result<Option<(Value, chrono::DateTime<chrono::Utc>)>, sea_orm::DbErr> {
    let row = sandbox_object::Entity::find_by_id(id.to_owned()).one(db).await?;
    Ok(row.filter(|r| r.kind == kind).and_then(|r| Some((serde_json::from_str(&r.body).ok()?, r.updated_at))))
}

/// Saves a changed object only if nobody saved it since `version` (two confirms of one intent: one wins).
async fn save_if_unchanged(
    db: &impl ConnectionTrait,
    object: &Value,
    version: chrono::DateTime<chrono::Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let id = object["id"].as_str().unwrap_or_default().to_owned();
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    let changed = sandbox_object::Entity::update_many()
        .col_expr(sandbox_object::Column::Body, Expr::value(object.to_string()))
        .col_expr(sandbox_object::Column::UpdatedAt, Expr::value(now.max(version + chrono::Duration::microseconds(1))))
        .filter(sandbox_object::Column::Id.eq(id))
        .filter(sandbox_object::Column::UpdatedAt.eq(version))
        .exec(db)
        .await?;
    Ok(changed.rows_affected == 1)
}

fn changed_meanwhile() -> Answer {
    error(
        StatusCode::CONFLICT,
        "invalid_request_error",
        "lock_timeout",
        "This object was changed by another request. Please retry.",
    )
}

async fn save(db: &impl ConnectionTrait, object: &Value) -> Result<(), sea_orm::DbErr> {
    let id = object["id"].as_str().unwrap_or_default().to_owned();
    let kind = object["object"].as_str().unwrap_or_default().to_owned();
    let row = sandbox_object::ActiveModel {
        id: Set(id),
        kind: Set(kind),
        body: Set(object.to_string()),
        updated_at: Set(chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6)),
    };
    let conflict = OnConflict::column(sandbox_object::Column::Id)
        .update_columns([sandbox_object::Column::Body, sandbox_object::Column::UpdatedAt])
        .to_owned();
    sandbox_object::Entity::insert(row).on_conflict(conflict).exec_without_returning(db).await?;
    Ok(())
}

/// Queues an event for delivery to the store's webhook endpoint.
async fn emit(db: &impl ConnectionTrait, kind: &str, object: &Value) -> Result<(), sea_orm::DbErr> {
    let id = new_id("evt");
    let event = json!({
        "id": id,
        "object": "event",
        "type": kind,
        "created": chrono::Utc::now().timestamp(),
        "livemode": false,
        "data": { "object": object },
    });
    sandbox_webhook::ActiveModel {
        event_id: Set(id),
        payload: Set(event.to_string()),
        attempts: Set(0),
        next_attempt_at: Set(chrono::Utc::now()),
        delivered_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn retrieve_intent(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !authorized(&state, &headers) {
        return reply(error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "api_key_invalid",
            "Invalid API Key provided.",
        ));
    }
    reply(match load(&state.db, &id, "payment_intent").await {
        Ok(Some(intent)) => (StatusCode::OK, intent),
        Ok(None) => no_such_intent(&id),
        Err(e) => internal(&e),
    })
}

fn no_such_intent(id: &str) -> Answer {
    error(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        "resource_missing",
        &format!("No such payment_intent: '{id}'"),
    )
}

async fn create_refund(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let params = form(&body);
    let request = format!("POST /v1/refunds {}", String::from_utf8_lossy(&body));
    idempotent(&state, &headers, request, async |db| {
        let id = params.get("payment_intent").cloned().unwrap_or_default();
        let Some((mut intent, version)) = load_versioned(db, &id, "payment_intent").await? else {
            return Ok(no_such_intent(&id));
        };
        if intent["status"].as_str() != Some("succeeded") || intent["refunded"].as_bool() == Some(true) {
            return Ok(error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "charge_already_refunded",
                "This payment cannot be refunded.",
            ));
        }
        // As Stripe: without `amount`, what is left; with it, at most what is left.
        let received = intent["amount_received"].as_i64().unwrap_or(0);
        let refunded_before = intent["amount_refunded"].as_i64().unwrap_or(0);
        let left = received - refunded_before;
        let amount = match params.get("amount") {
            None => left,
            Some(typed) => match typed.parse::<i64>() {
                Ok(amount) if (1..=left).contains(&amount) => amount,
                _ => {
                    return Ok(error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request_error",
                        "amount_too_large",
                        "Refund amount is greater than what is left to refund.",
                    ));
                }
            },
        };
        let refunded_now = refunded_before + amount;
        let fully = refunded_now == received;
        let refund = json!({
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "payment_intent": id,
            "charge": intent["latest_charge"],
            "status": "succeeded",
            "created": chrono::Utc::now().timestamp(),
        });
        intent["amount_refunded"] = json!(refunded_now);
        intent["refunded"] = json!(fully);
        if !save_if_unchanged(db, &intent, version).await? {
            return Ok(changed_meanwhile());
        }
        save(db, &refund).await?;
        let charge = json!({
            "id": intent["latest_charge"],
            "object": "charge",
            "payment_intent": id,
            "amount": received,
            "amount_refunded": refunded_now,
            "refunded": fully,
        });
        emit(db, "charge.refunded", &charge).await?;
        Ok((StatusCode::OK, refund))
    })
    .await
}

/// Delivers queued webhooks to `url`, signed with `secret`, retrying failures after 1, 2, 4… seconds
/// (at most an hour apart). Several nodes may run it: each delivery is claimed with a conditional
/// update first.
pub fn spawn_webhook_delivery(db: DatabaseConnection, url: String, secret: String) {
    tokio::spawn(async move {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        let mut ticker = tokio::time::interval(Duration::from_millis(250));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(err) = deliver_due(&db, &http, &url, &secret).await {
                tracing::warn!(error = %err, "sandbox: webhook delivery round failed");
            }
        }
    });
}

async fn deliver_due(
    db: &DatabaseConnection,
    http: &reqwest::Client,
    url: &str,
    secret: &str,
) -> Result<(), sea_orm::DbErr> {
    let now = chrono::Utc::now();
    let due = sandbox_webhook::Entity::find()
        .filter(sandbox_webhook::Column::DeliveredAt.is_null())
        .filter(sandbox_webhook::Column::NextAttemptAt.lte(now))
        .order_by_asc(sandbox_webhook::Column::Id)
        .limit(20)
        .all(db)
        .await?;
    for hook in due {
        // Claimed for a minute: another node skips it meanwhile.
        let claimed = sandbox_webhook::Entity::update_many()
            .col_expr(sandbox_webhook::Column::NextAttemptAt, Expr::value(now + chrono::Duration::seconds(60)))
            .filter(sandbox_webhook::Column::Id.eq(hook.id))
            .filter(sandbox_webhook::Column::NextAttemptAt.eq(hook.next_attempt_at))
            .exec(db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let signature = sign(secret, chrono::Utc::now().timestamp(), hook.payload.as_bytes());
        let sent = http
            .post(url)
            .header(header::CONTENT_TYPE, "application/json")
            .header("Stripe-Signature", signature)
            .body(hook.payload.clone())
            .send()
            .await;
        let delivered = matches!(&sent, Ok(response) if response.status().is_success());
        let mut update = sandbox_webhook::Entity::update_many().filter(sandbox_webhook::Column::Id.eq(hook.id));
        if delivered {
            update = update.col_expr(sandbox_webhook::Column::DeliveredAt, Expr::value(chrono::Utc::now()));
        } else {
            let attempts = hook.attempts + 1;
            let pause = chrono::Duration::seconds(2i64.saturating_pow(attempts.min(12) as u32 - 1).min(3600));
            tracing::debug!(event = %hook.event_id, attempts, "sandbox: webhook not acknowledged; will retry");
            update = update
                .col_expr(sandbox_webhook::Column::Attempts, Expr::value(attempts))
                .col_expr(sandbox_webhook::Column::NextAttemptAt, Expr::value(chrono::Utc::now() + pause));
        }
        update.exec(db).await?;
    }
    Ok(())
}
