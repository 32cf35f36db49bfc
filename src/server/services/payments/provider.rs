//! The payment provider's HTTP client: Stripe's Checkout Sessions (the hosted payment page), payment
//! intents (read) and refunds, form-encoded, Bearer secret key, an Idempotency-Key on every write. The
//! store never sends or receives a card number: the shopper types it on the provider's page.

use std::time::Duration;

use serde_json::Value;

use crate::server::config::{PaymentSettings, Secret};
use crate::server::entities::order;

/// Where a real provider's hosted payment pages live (the "Pay" form's redirect goes there).
pub const HOSTED_PAYMENT_ORIGIN: &str = "https://checkout.stripe.com";

/// A PaymentIntent, as much of it as the store reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub id: String,
    pub status: String,
    pub amount: i64,
    pub order_id: Option<i32>,
    pub last_error: Option<String>,
    /// Brand and last four digits, when the provider tells them.
    pub card: Option<(String, String)>,
}

impl Intent {
    pub fn from_json(value: &Value) -> Option<Intent> {
        let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
        let card = text("/payment_method_details/card/last4").map(|last4| {
            let brand = text("/payment_method_details/card/brand").unwrap_or_else(|| "Card".into());
            (brand, last4)
        });
        Some(Intent {
            id: value.get("id")?.as_str()?.to_owned(),
            status: value.get("status")?.as_str()?.to_owned(),
            amount: value.get("amount")?.as_i64()?,
            order_id: text("/metadata/order_id").and_then(|s| s.parse().ok()),
            last_error: text("/last_payment_error/message"),
            card,
        })
    }
}

/// A Checkout Session: the provider's payment page for one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    /// open, complete or expired.
    pub status: String,
    /// Whether its payment went through (`payment_status: paid`).
    pub paid: bool,
    /// Where to send the shopper while it is open.
    pub url: Option<String>,
    pub payment_intent: Option<String>,
    pub amount_total: i64,
    pub order_id: Option<i32>,
}

impl Session {
    pub fn from_json(value: &Value) -> Option<Session> {
        let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
        Some(Session {
            id: text("/id")?,
            status: text("/status")?,
            paid: text("/payment_status").as_deref() == Some("paid"),
            url: text("/url"),
            payment_intent: text("/payment_intent"),
            amount_total: value.get("amount_total")?.as_i64()?,
            order_id: text("/metadata/order_id").or_else(|| text("/client_reference_id")).and_then(|s| s.parse().ok()),
        })
    }

    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderError {
    /// The provider answered with an error (4xx/5xx).
    Api { status: u16, message: String },
    /// No answer (network, timeout): the request may or may not have been applied.
    Unreachable(String),
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
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
    secret_key: Secret,
}

/// Where the provider sends the shopper back to.
#[derive(Debug, Clone)]
pub struct ReturnUrls {
    pub success: String,
    pub cancel: String,
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
        let span = tracing::info_span!("provider_call", method = %method, path);
        tracing::Instrument::instrument(self.call_in_span(method, path, form, idempotency_key), span).await
    }

    async fn call_in_span(
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
        Err(ProviderError::Api { status, message })
    }

    fn session(value: Value) -> Result<Session, ProviderError> {
        Session::from_json(&value)
            .ok_or_else(|| ProviderError::Api { status: 200, message: "unreadable checkout session".into() })
    }

    /// The payment page for an order: one per order, however often this is called (the key).
    pub async fn create_session(&self, order: &order::Model, back: &ReturnUrls) -> Result<Session, ProviderError> {
        let order_id = order.id.to_string();
        let form = [
            ("mode", "payment".to_owned()),
            ("line_items[0][quantity]", "1".to_owned()),
            ("line_items[0][price_data][currency]", order.currency.to_ascii_lowercase()),
            ("line_items[0][price_data][unit_amount]", order.total.to_string()),
            ("line_items[0][price_data][product_data][name]", format!("Order #{}", order.id)),
            ("customer_email", order.email.clone()),
            ("client_reference_id", order_id.clone()),
            ("metadata[order_id]", order_id.clone()),
            ("payment_intent_data[metadata][order_id]", order_id),
            ("success_url", back.success.clone()),
            ("cancel_url", back.cancel.clone()),
        ];
        let key = format!("session-{}", order.token);
        Self::session(self.call(reqwest::Method::POST, "/v1/checkout/sessions", &form, Some(&key)).await?)
    }

    pub async fn retrieve_session(&self, id: &str) -> Result<Session, ProviderError> {
        Self::session(self.call(reqwest::Method::GET, &format!("/v1/checkout/sessions/{id}"), &[], None).await?)
    }

    /// Closes an open payment page: no payment can be made on it afterwards (its PaymentIntent is
    /// cancelled with it). Refused by the provider when the session is no longer open.
    pub async fn expire_session(&self, id: &str) -> Result<Session, ProviderError> {
        let path = format!("/v1/checkout/sessions/{id}/expire");
        Self::session(self.call(reqwest::Method::POST, &path, &[], Some(&format!("expire-{id}"))).await?)
    }

    /// Refunds `amount` minor units of an intent, once however often this is asked with the same `key`;
    /// returns the refund's id.
    pub async fn refund_part(&self, intent_id: &str, amount: i64, key: &str) -> Result<String, ProviderError> {
        let form = [("payment_intent", intent_id.to_owned()), ("amount", amount.to_string())];
        let body = self.call(reqwest::Method::POST, "/v1/refunds", &form, Some(key)).await?;
        Ok(body.get("id").and_then(Value::as_str).unwrap_or_default().to_owned())
    }

    /// Refunds what is left of an intent (all of it, unless refunds by line came first); returns the
    /// refund's id.
    pub async fn refund(&self, intent_id: &str) -> Result<String, ProviderError> {
        let form = [("payment_intent", intent_id.to_owned())];
        let body = self.call(reqwest::Method::POST, "/v1/refunds", &form, Some(&format!("refund-{intent_id}"))).await?;
        Ok(body.get("id").and_then(Value::as_str).unwrap_or_default().to_owned())
    }
}
