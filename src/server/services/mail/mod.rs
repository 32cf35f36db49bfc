//! The mail outbox: mails are written in the same transaction as what they announce, and delivered
//! later by [`delivery`] through SMTP (when the store has SMTP settings). In development the mailbox
//! page lists them.

pub mod delivery;

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::error::AppError;
use crate::model::money::Money;
use crate::server::entities::{mail_outbox, order, order_line};

/// The shop as mails name it.
#[derive(Debug, Clone)]
pub struct Shop {
    pub name: String,
    pub public_url: String,
}

/// Queues a mail; a second mail of the same kind for the same order is not queued (once per order).
pub async fn queue(
    db: &impl ConnectionTrait,
    to: &str,
    subject: &str,
    body: &str,
    kind: &str,
    order_id: Option<i32>,
) -> Result<(), DbErr> {
    let mail = mail_outbox::ActiveModel {
        to_address: Set(to.to_owned()),
        subject: Set(subject.to_owned()),
        body: Set(body.to_owned()),
        kind: Set(kind.to_owned()),
        order_id: Set(order_id),
        created_at: Set(chrono::Utc::now()),
        sent_at: Set(None),
        ..Default::default()
    };
    let conflict =
        OnConflict::columns([mail_outbox::Column::Kind, mail_outbox::Column::OrderId]).do_nothing().to_owned();
    mail_outbox::Entity::insert(mail).on_conflict(conflict).exec_without_returning(db).await?;
    Ok(())
}

/// "Thank you for your order": the lines, totals, address and the order's page.
pub async fn queue_order_confirmation(
    db: &impl ConnectionTrait,
    shop: &Shop,
    order: &order::Model,
) -> Result<(), DbErr> {
    let lines = lines_of(db, order.id).await?;
    let money = |minor: i64| Money::store(minor).format();
    let mut body = format!("Thank you for your order #{} at {}.\n\n", order.id, shop.name);
    for line in &lines {
        body.push_str(&format!("{} × {} ({})  {}\n", line.quantity, line.title, line.sku, money(line.line_total)));
    }
    body.push_str(&format!("\nSubtotal  {}\n", money(order.subtotal)));
    if order.discount > 0 {
        body.push_str(&format!("Discount ({})  -{}\n", order.promo_code, money(order.discount)));
    }
    body.push_str(&format!(
        "Shipping  {}\nTax  {}\nTotal  {}\n",
        money(order.shipping),
        money(order.tax),
        money(order.total)
    ));
    if let Some(address) = crate::server::services::checkout::parse_address(&order.shipping_address) {
        body.push_str("\nShipping to:\n");
        for line in address.lines() {
            body.push_str(&line);
            body.push('\n');
        }
    }
    body.push_str(&format!("\nYour order: {}/orders/{}\n", shop.public_url, order.token));
    let subject = format!("Your {} order #{}", shop.name, order.id);
    queue(db, &order.email, &subject, &body, "order_confirmation", Some(order.id)).await
}

/// An order's lines as it lists them.
async fn lines_of(db: &impl ConnectionTrait, order_id: i32) -> Result<Vec<order_line::Model>, DbErr> {
    order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::Id)
        .all(db)
        .await
}

/// The mail kind of a shipping notice.
pub const ORDER_SHIPPED: &str = "order_shipped";

/// "Your order is on its way": the tracking number, the lines and the order's page (once per order).
pub async fn queue_shipping_notice(
    db: &impl ConnectionTrait,
    shop: &Shop,
    order: &order::Model,
    tracking_number: &str,
) -> Result<(), DbErr> {
    let lines = lines_of(db, order.id).await?;
    let mut body =
        format!("Your order #{} from {} is on its way.\n\nTracking number: {tracking_number}\n\n", order.id, shop.name);
    for line in &lines {
        body.push_str(&format!("{} × {} ({})\n", line.quantity, line.title, line.sku));
    }
    body.push_str(&format!("\nYour order: {}/orders/{}\n", shop.public_url, order.token));
    let subject = format!("Your {} order #{} has shipped", shop.name, order.id);
    queue(db, &order.email, &subject, &body, ORDER_SHIPPED, Some(order.id)).await
}

/// The mails queued for an order, oldest first.
pub async fn of_order(db: &impl ConnectionTrait, order_id: i32) -> Result<Vec<mail_outbox::Model>, DbErr> {
    mail_outbox::Entity::find()
        .filter(mail_outbox::Column::OrderId.eq(order_id))
        .order_by_asc(mail_outbox::Column::Id)
        .all(db)
        .await
}

/// Mails waiting to be sent (neither sent nor given up).
pub async fn backlog(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    mail_outbox::Entity::find()
        .filter(mail_outbox::Column::SentAt.is_null())
        .filter(mail_outbox::Column::FailedAt.is_null())
        .count(db)
        .await
}

/// The newest mails first.
pub async fn recent(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<mail_outbox::Model>, AppError> {
    Ok(mail_outbox::Entity::find().order_by_desc(mail_outbox::Column::Id).limit(limit).all(db).await?)
}
