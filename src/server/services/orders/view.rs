//! An order as its page shows it.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::AppError;
use crate::model::checkout::{OrderLineView, OrderView, Totals};
use crate::model::money::Money;
use crate::model::order::OrderStatus;
use crate::server::config::CheckoutRules;
use crate::server::entities::{order, order_line};
use crate::server::services::checkout;

/// An order's page (the order as read by its token, `payments::find_order`): its lines, totals,
/// address, and while it awaits payment the seconds left.
pub async fn view(
    db: &impl ConnectionTrait,
    order: order::Model,
    rules: &CheckoutRules,
) -> Result<OrderView, AppError> {
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .order_by_asc(order_line::Column::Id)
        .all(db)
        .await?;
    let status = order.status;
    let seconds_left = match status {
        OrderStatus::PendingPayment => Ord::max((order.hold_expires_at - chrono::Utc::now()).num_seconds(), 0),
        _ => 0,
    };
    Ok(OrderView {
        token: order.token,
        number: order.id,
        status,
        email: order.email,
        lines: lines
            .into_iter()
            .map(|l| OrderLineView {
                sku: l.sku,
                title: l.title,
                quantity: l.quantity,
                unit_price: Money::store(l.unit_price),
                line_total: Money::store(l.line_total),
            })
            .collect(),
        totals: Totals {
            subtotal: order.subtotal,
            discount: order.discount,
            shipping: order.shipping,
            tax: order.tax,
            total: order.total,
        },
        address: checkout::decode_address(&order.shipping_address),
        shipping_method: rules.rate(&order.shipping_method).map(|r| r.name.clone()).unwrap_or(order.shipping_method),
        promo_code: order.promo_code,
        seconds_left,
        payment_error: if status == OrderStatus::PendingPayment { order.payment_error } else { String::new() },
        card: (!order.card_brand.is_empty())
            .then(|| format!("{} ending {}", brand_name(&order.card_brand), order.card_last4)),
        charged: order.payment_status.charged(),
        sandbox: false,
        tracking_number: order.tracking_number,
        refunded: order.refunded_amount,
    })
}

/// A card brand as the provider names it (`visa`), as shoppers read it.
fn brand_name(brand: &str) -> &str {
    match brand {
        "visa" => "Visa",
        "mastercard" => "Mastercard",
        "amex" => "American Express",
        "discover" => "Discover",
        "jcb" => "JCB",
        "unionpay" => "UnionPay",
        "diners" => "Diners Club",
        _ => "card",
    }
}
