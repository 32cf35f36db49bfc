//! Checkout Sessions in the sandbox, and the hosted payment page they send the shopper to. The page is
//! the provider's side: the card is read here, never by the store.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::{Value, json};

use super::card::{Card, CardErrors};
use super::{
    Answer, authorized, emit, error, form, idempotent, internal, load_versioned, new_id, reply, save, save_if_unchanged,
};
use crate::model::money::Money;
use crate::server::escape_html;
use crate::server::state::AppState;

const KIND: &str = "checkout.session";

fn no_such_session(id: &str) -> Answer {
    error(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        "resource_missing",
        &format!("No such checkout.session: '{id}'"),
    )
}

/// `metadata[k]=v` style parameters under `prefix`, as a JSON object.
fn metadata(params: &std::collections::HashMap<String, String>, prefix: &str) -> serde_json::Map<String, Value> {
    params
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.strip_suffix(']')?.to_owned(), Value::from(v.clone()))))
        .collect()
}

pub async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let params = form(&body);
    let request = format!("POST /v1/checkout/sessions {}", String::from_utf8_lossy(&body));
    idempotent(&state, &headers, request, async |db| {
        let number = |name: &str| params.get(name).and_then(|a| a.parse::<i64>().ok());
        let (Some(unit), Some(quantity)) =
            (number("line_items[0][price_data][unit_amount]"), number("line_items[0][quantity]"))
        else {
            return Ok(error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "parameter_missing",
                "Missing line_items.",
            ));
        };
        let amount = unit.checked_mul(quantity).filter(|a| *a >= 1);
        let currency = params.get("line_items[0][price_data][currency]").filter(|c| c.len() == 3);
        let (Some(amount), Some(currency)) = (amount, currency) else {
            return Ok(error(StatusCode::BAD_REQUEST, "invalid_request_error", "parameter_invalid", "Invalid amount."));
        };
        let (Some(success), Some(cancel)) = (params.get("success_url"), params.get("cancel_url")) else {
            return Ok(error(StatusCode::BAD_REQUEST, "invalid_request_error", "parameter_missing", "Missing URLs."));
        };
        let id = format!("cs_test_{:024x}", rand::random::<u128>() >> 32);
        let session = json!({
            "id": id,
            "object": KIND,
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "currency": currency.to_ascii_lowercase(),
            "url": format!("{}/sandbox/stripe/pay/{id}", state.settings.public_url),
            "success_url": success,
            "cancel_url": cancel,
            "customer_email": params.get("customer_email"),
            "client_reference_id": params.get("client_reference_id"),
            "description": params.get("line_items[0][price_data][product_data][name]"),
            "metadata": metadata(&params, "metadata["),
            "payment_intent_metadata": metadata(&params, "payment_intent_data[metadata]["),
            "payment_intent": null,
            "created": chrono::Utc::now().timestamp(),
            "livemode": false,
        });
        save(db, &session).await?;
        Ok((StatusCode::OK, public(&session)))
    })
    .await
}

/// A session as the API shows it (without the sandbox's own bookkeeping).
fn public(session: &Value) -> Value {
    let mut shown = session.clone();
    if let Some(object) = shown.as_object_mut() {
        object.remove("payment_intent_metadata");
    }
    shown
}

pub async fn retrieve(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !authorized(&state, &headers) {
        return reply(error(StatusCode::UNAUTHORIZED, "invalid_request_error", "api_key_invalid", "Invalid API Key."));
    }
    reply(match load_versioned(&state.db, &id, KIND).await {
        Ok(Some((session, _))) => (StatusCode::OK, public(&session)),
        Ok(None) => no_such_session(&id),
        Err(e) => internal(&e),
    })
}

pub async fn expire(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let request = format!("POST /v1/checkout/sessions/{id}/expire {}", String::from_utf8_lossy(&body));
    idempotent(&state, &headers, request, async |db| {
        let Some((mut session, version)) = load_versioned(db, &id, KIND).await? else {
            return Ok(no_such_session(&id));
        };
        if session["status"] != "open" {
            let message = "Only Checkout Sessions with a status in [\"open\"] can be expired.";
            return Ok(error(StatusCode::BAD_REQUEST, "invalid_request_error", "checkout_session_not_open", message));
        }
        session["status"] = json!("expired");
        session["url"] = Value::Null;
        if !save_if_unchanged(db, &session, version).await? {
            return Ok(super::changed_meanwhile());
        }
        emit(db, "checkout.session.expired", &public(&session)).await?;
        Ok((StatusCode::OK, public(&session)))
    })
    .await
}

/// GET /sandbox/stripe/pay/{id}: the payment page.
pub async fn page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match load_versioned(&state.db, &id, KIND).await {
        Ok(Some((session, _))) => show(&session, &CardErrors::new(), None),
        Ok(None) => closed_page(StatusCode::NOT_FOUND, "This payment page does not exist.", None),
        Err(e) => {
            tracing::error!(error = %e, "sandbox: database error");
            closed_page(StatusCode::INTERNAL_SERVER_ERROR, "The payment sandbox had an error.", None)
        }
    }
}

/// POST /sandbox/stripe/pay/{id}: pays with the posted card. A paid session sends the shopper back to
/// the store; a refused card shows the page again with why.
pub async fn pay(State(state): State<AppState>, Path(id): Path<String>, body: Bytes) -> Response {
    let params = form(&body);
    let field = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
    let db = &state.db;
    let loaded = match load_versioned(db, &id, KIND).await {
        Ok(Some(loaded)) => loaded,
        Ok(None) => return closed_page(StatusCode::NOT_FOUND, "This payment page does not exist.", None),
        Err(e) => {
            tracing::error!(error = %e, "sandbox: database error");
            return closed_page(StatusCode::INTERNAL_SERVER_ERROR, "The payment sandbox had an error.", None);
        }
    };
    let (mut session, version) = loaded;
    if session["status"] != "open" {
        return show(&session, &CardErrors::new(), None);
    }
    let card = match Card::parse(field("number"), field("expiry"), field("cvc"), chrono::Utc::now().date_naive()) {
        Ok(card) => card,
        Err(errors) => return show(&session, &errors, None),
    };
    if let Some((_, message)) = card.decline() {
        return show(&session, &CardErrors::new(), Some(message));
    }
    let intent_id = new_id("pi");
    let intent = json!({
        "id": intent_id,
        "object": "payment_intent",
        "amount": session["amount_total"],
        "amount_received": session["amount_total"],
        "currency": session["currency"],
        "status": "succeeded",
        "metadata": session["payment_intent_metadata"],
        "latest_charge": new_id("ch"),
        "payment_method_details": { "card": { "brand": card.brand(), "last4": card.last4() } },
        "last_payment_error": null,
        "created": chrono::Utc::now().timestamp(),
        "livemode": false,
    });
    session["status"] = json!("complete");
    session["payment_status"] = json!("paid");
    session["payment_intent"] = json!(intent_id);
    session["url"] = Value::Null;
    // One transaction: the payment, its intent and its events are kept together or not at all (a provider
    // outside the store's process never loses one of them when the store dies).
    let paid = async {
        let txn = crate::server::db::begin_write(db).await?;
        // The session first: of a payment and an expiry at the same instant, exactly one wins.
        if !save_if_unchanged(&txn, &session, version).await? {
            txn.rollback().await?;
            return Ok(false);
        }
        save(&txn, &intent).await?;
        emit(&txn, "checkout.session.completed", &public(&session)).await?;
        emit(&txn, "payment_intent.succeeded", &intent).await?;
        txn.commit().await?;
        Ok::<_, sea_orm::DbErr>(true)
    };
    match paid.await {
        Ok(true) => Redirect::to(session["success_url"].as_str().unwrap_or("/")).into_response(),
        // Changed meanwhile: paid by a double submit (back to the store), or expired.
        Ok(false) => match load_versioned(db, &id, KIND).await {
            Ok(Some((now, _))) => show(&now, &CardErrors::new(), None),
            _ => closed_page(StatusCode::CONFLICT, "This payment page has expired. You were not charged.", None),
        },
        Err(e) => {
            let (status, _) = internal(&e);
            closed_page(status, "The payment sandbox had an error. You were not charged.", None)
        }
    }
}

/// The page for a session: the card form while it is open, else where it stands.
fn show(session: &Value, errors: &CardErrors, declined: Option<&str>) -> Response {
    let back = session["cancel_url"].as_str();
    match session["status"].as_str() {
        Some("open") => {}
        Some("complete") => return Redirect::to(session["success_url"].as_str().unwrap_or("/")).into_response(),
        _ => return closed_page(StatusCode::GONE, "This payment page has expired. You were not charged.", back),
    }
    let amount = Money::store(session["amount_total"].as_i64().unwrap_or(0)).format();
    let what = escape_html(session["description"].as_str().unwrap_or("Your order"));
    let email = escape_html(session["customer_email"].as_str().unwrap_or_default());
    let status = if declined.is_some() {
        StatusCode::PAYMENT_REQUIRED
    } else if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let alert =
        declined.map(|m| format!("<p class=\"alert\" role=\"alert\">{}</p>", escape_html(m))).unwrap_or_default();
    let input = |id: &str, name: &str, label: &str, attrs: &str| {
        let error = errors.get(name).map(|m| format!("<p class=\"error\" id=\"{id}-error\">{m}</p>"));
        let invalid = if error.is_some() {
            format!(" aria-invalid=\"true\" aria-describedby=\"{id}-error\"")
        } else {
            String::new()
        };
        format!(
            "<div class=\"field\"><label for=\"{id}\">{label}</label><input id=\"{id}\" name=\"{name}\" {attrs}{invalid} required>{}</div>",
            error.unwrap_or_default()
        )
    };
    let body = format!(
        "<h1>Pay {amount}</h1><p>{what}{}</p>{alert}\
         <form method=\"post\">{}{}{}<button type=\"submit\">Pay {amount}</button></form>\
         <p class=\"hint\">Sandbox: 4242 4242 4242 4242 is accepted; 4000 0000 0000 0002 is declined; any future \
         expiry and any 3 digits.</p>{}",
        if email.is_empty() { String::new() } else { format!(" · receipt to {email}") },
        input("card-number", "number", "Card number", "inputmode=\"numeric\" autocomplete=\"cc-number\""),
        input(
            "card-expiry",
            "expiry",
            "Expiry (MM/YY)",
            "inputmode=\"numeric\" autocomplete=\"cc-exp\" placeholder=\"MM/YY\""
        ),
        input("card-cvc", "cvc", "Security code", "inputmode=\"numeric\" autocomplete=\"cc-csc\""),
        back.map(|url| format!("<p><a href=\"{}\">Cancel and return to the store</a></p>", escape_html(url)))
            .unwrap_or_default(),
    );
    document(status, &body)
}

fn closed_page(status: StatusCode, message: &str, back: Option<&str>) -> Response {
    let link = back.map(|url| format!("<p><a href=\"{}\">Return to the store</a></p>", escape_html(url)));
    document(status, &format!("<h1>{}</h1>{}", escape_html(message), link.unwrap_or_default()))
}

fn document(status: StatusCode, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>Payment sandbox</title><meta name=\"robots\" \
         content=\"noindex\"><style>{STYLE}</style></head><body><main><p class=\"brand\">Payment sandbox · test mode</p>\
         {body}</main></body></html>"
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'; \
             base-uri 'none'",
        ),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;background:#f4f4f5;color:#18181b;margin:0}\
main{max-width:26rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:.75rem;box-shadow:0 1px 4px #0002}\
.brand{color:#52525b;font-size:.875rem;margin:0 0 1rem}h1{font-size:1.5rem;margin:0 0 .25rem}\
.field{margin:1rem 0}label{display:block;font-weight:600;margin-bottom:.25rem}\
input{box-sizing:border-box;width:100%;padding:.625rem;border:1px solid #71717a;border-radius:.375rem;font:inherit}\
input[aria-invalid]{border-color:#b91c1c}.error,.alert{color:#b91c1c}.alert{font-weight:600}\
button{width:100%;padding:.75rem;border:0;border-radius:.375rem;background:#4338ca;color:#fff;font:inherit;font-weight:600;cursor:pointer}\
.hint{color:#52525b;font-size:.875rem}a{color:#4338ca}";
