//! Payments, split along their seams: the provider's client, paying (the hosted payment page), signed
//! webhooks applied once, the end of a payment hold, and the sweeper for payments that came after their
//! order was cancelled. Order states change only through `orders::lifecycle`. No database transaction
//! is open while the provider is called, and no card number ever reaches the store.

mod expiry;
mod pay;
mod provider;
mod sweeper;
mod webhooks;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

pub use expiry::{Closed, PROVIDER_GRACE, close_payment_page, expire_holds};
pub use pay::{LATE_PAYMENT, refresh, settle, start};
pub use provider::{HOSTED_PAYMENT_ORIGIN, Intent, Provider, ProviderError, ReturnUrls, Session};
pub use sweeper::{REFUND_RETRY, send_refund, sweep};
pub use webhooks::{SIGNATURE_TOLERANCE_SECS, apply_event, sign, verify_signature};

use crate::error::AppError;
use crate::server::entities::order;
use crate::server::services::mail::Shop;

/// The provider and what mails say about the shop: what paying needs.
#[derive(Clone, Debug)]
pub struct Payments {
    pub provider: Provider,
    pub shop: Shop,
    pub webhook_secret: crate::server::config::Secret,
}

impl Payments {
    pub fn from_settings(settings: &crate::server::config::Settings) -> Payments {
        Payments {
            provider: Provider::new(&settings.payments),
            shop: Shop { name: settings.store_name.clone(), public_url: settings.public_url.clone() },
            webhook_secret: settings.payments.webhook_secret.clone(),
        }
    }
}

/// The order for a token (the shopper's handle on it).
pub async fn find_order(db: &impl ConnectionTrait, token: &str) -> Result<Option<order::Model>, AppError> {
    if !crate::server::services::cart::is_token(token) {
        return Ok(None);
    }
    Ok(order::Entity::find().filter(order::Column::Token.eq(token)).one(db).await?)
}

/// The order a Checkout Session pays for: by the session the store recorded, else by its metadata.
async fn order_for(
    conn: &impl ConnectionTrait,
    session_id: &str,
    order_id: Option<i32>,
) -> Result<Option<order::Model>, DbErr> {
    if let Some(order) = order::Entity::find().filter(order::Column::CheckoutSessionId.eq(session_id)).one(conn).await?
    {
        return Ok(Some(order));
    }
    match order_id {
        Some(id) => order::Entity::find_by_id(id).one(conn).await,
        None => Ok(None),
    }
}

/// The order an intent pays for: by the intent id the store recorded, else by its metadata.
async fn order_of_intent(conn: &impl ConnectionTrait, intent: &Intent) -> Result<Option<order::Model>, DbErr> {
    if let Some(order) = order_with_intent(conn, &intent.id).await? {
        return Ok(Some(order));
    }
    match intent.order_id {
        Some(id) => order::Entity::find_by_id(id).one(conn).await,
        None => Ok(None),
    }
}

async fn order_with_intent(conn: &impl ConnectionTrait, intent_id: &str) -> Result<Option<order::Model>, DbErr> {
    order::Entity::find().filter(order::Column::PaymentIntentId.eq(intent_id)).one(conn).await
}
