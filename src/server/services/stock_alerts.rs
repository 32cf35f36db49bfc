//! "Email me when it is back": a shopper (signed in, or a guest by email only) asks to hear once when a
//! sold-out variant returns. The ask keeps the mail's words, written while the shop's name and address
//! are at hand; the restock (`inventory::record`, the one place that sees a variant's stock leave 0)
//! queues the mails of the waiting asks in its own transaction, each claimed once.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::error::AppError;
use crate::model::account::Email;
use crate::model::catalog::{product_path, variant_url};
use crate::server::entities::{product, stock_alert, variant};
use crate::server::services::{catalog, inventory, mail};

/// The outbox's kind of these mails.
pub const MAIL_KIND: &str = "back_in_stock";

/// Asks for one mail to `email` when the sold-out variant `sku` is back; answers the product's slug (the
/// page to go back to). Asking again is the same ask (one per variant and address), and after the mail
/// was sent it asks anew. Refused when the variant is not sold or is in stock now.
pub async fn subscribe(
    db: &DatabaseConnection,
    shop: &mail::Shop,
    sku: &str,
    email: &Email,
    user_id: Option<i32>,
) -> Result<String, AppError> {
    crate::write_retry!(db, |txn| {
        // The variant's row is locked (`inventory::locked`) so that a restock cannot come
        // between the stock read here and the ask's row: it either sees the ask, or the ask sees its stock.
        let (found, product) = match catalog::sellable_by_sku(txn, sku).await? {
            Ok(found) => found,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let stock = inventory::locked(txn, variant::Entity::find_by_id(found.id)).await?.map_or(0, |v| v.stock);
        if stock > 0 {
            return Ok(Err(AppError::invalid("sku", "It is in stock now: you can add it to your cart.")));
        }
        let (subject, body) = mail_words(txn, shop, &found, &product).await?;
        let ask = stock_alert::ActiveModel {
            variant_id: Set(found.id),
            email: Set(email.as_str().to_owned()),
            user_id: Set(user_id),
            subject: Set(subject),
            body: Set(body),
            created_at: Set(chrono::Utc::now()),
            notified_at: Set(None),
            ..Default::default()
        };
        let again = OnConflict::columns([stock_alert::Column::VariantId, stock_alert::Column::Email])
            .update_columns([
                stock_alert::Column::Subject,
                stock_alert::Column::Body,
                stock_alert::Column::CreatedAt,
                stock_alert::Column::NotifiedAt,
            ])
            .to_owned();
        stock_alert::Entity::insert(ask).on_conflict(again).exec_without_returning(txn).await?;
        Ok(Ok(product.slug))
    })
}

/// The subject and body of the mail, with the link to the variant's page at the shop's public address.
async fn mail_words(
    db: &impl ConnectionTrait,
    shop: &mail::Shop,
    found: &variant::Model,
    product: &product::Model,
) -> Result<(String, String), sea_orm::DbErr> {
    let label = catalog::variant_labels(db, &[found.id]).await?.remove(&found.id).filter(|l| !l.is_empty());
    let name = match label {
        Some(label) => format!("{} ({label})", product.title),
        None => product.title.clone(),
    };
    let link = format!("{}{}", shop.public_url, variant_url(&product_path(&product.slug), &found.sku));
    let subject = format!("{name} is back in stock at {}", shop.name);
    let body = format!(
        "Hello,\n\n{name} is back in stock at {shop}:\n\n{link}\n\n\
         You asked us to tell you when it returns; this is the only mail about it. It may sell out again soon.\n",
        shop = shop.name
    );
    Ok((subject, body))
}

/// Called by `inventory::record` in the restock's transaction when a variant's stock went from 0 to
/// more: queues one mail per waiting ask, each claimed first (`notified_at` set only while unset), so
/// an ask is told once however many restocks race. A variant not for sale now tells no one (its asks
/// wait). Answers how many mails were queued.
pub async fn announce_restock(txn: &impl ConnectionTrait, variant_id: i32) -> Result<u32, sea_orm::DbErr> {
    let found = variant::Entity::find_by_id(variant_id).find_also_related(product::Entity).one(txn).await?;
    let Some((found, Some(product))) = found else { return Ok(0) };
    if !catalog::is_sellable(&product, &found) {
        return Ok(0);
    }
    let waiting = stock_alert::Entity::find()
        .filter(stock_alert::Column::VariantId.eq(variant_id))
        .filter(stock_alert::Column::NotifiedAt.is_null())
        .all(txn)
        .await?;
    let now = chrono::Utc::now();
    let mut queued = 0;
    for ask in waiting {
        let claimed = stock_alert::Entity::update_many()
            .col_expr(stock_alert::Column::NotifiedAt, Expr::value(now))
            .filter(stock_alert::Column::Id.eq(ask.id))
            .filter(stock_alert::Column::NotifiedAt.is_null())
            .exec(txn)
            .await?
            .rows_affected
            == 1;
        if claimed {
            mail::queue(txn, &ask.email, &ask.subject, &ask.body, MAIL_KIND, None).await?;
            queued += 1;
        }
    }
    if queued > 0 {
        tracing::info!(variant_id, queued, "back-in-stock mails queued");
    }
    Ok(queued)
}
