//! An account's order history: the orders placed while signed in to it, and the guest orders placed
//! with its address once that address is confirmed (whoever reads mail there placed them, or was
//! meant to see them).

use std::collections::HashMap;

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::AppError;
use crate::model::order::{HISTORY_LENGTH, OrderSummary};
use crate::server::entities::{order, order_line, user};

/// Which orders are `user`'s: their own, and unclaimed guest orders to their confirmed address. An
/// order placed while signed in to another account is never theirs, whatever its email.
fn belongs_to(user: &user::Model) -> Condition {
    let mut mine = Condition::any().add(order::Column::UserId.eq(user.id));
    if user.email_verified_at.is_some() {
        let guest_orders =
            Condition::all().add(order::Column::UserId.is_null()).add(order::Column::Email.eq(user.email.clone()));
        mine = mine.add(guest_orders);
    }
    mine
}

/// `user`'s orders, newest first (at most [`HISTORY_LENGTH`]).
pub async fn of_account(db: &impl ConnectionTrait, user: &user::Model) -> Result<Vec<OrderSummary>, AppError> {
    let orders = order::Entity::find()
        .filter(belongs_to(user))
        .order_by_desc(order::Column::CreatedAt)
        .order_by_desc(order::Column::Id)
        .limit(HISTORY_LENGTH)
        .all(db)
        .await?;
    let ids: Vec<i32> = orders.iter().map(|o| o.id).collect();
    let mut items: HashMap<i32, i64> = HashMap::new();
    if !ids.is_empty() {
        let lines = order_line::Entity::find().filter(order_line::Column::OrderId.is_in(ids)).all(db).await?;
        for line in lines {
            *items.entry(line.order_id).or_default() += i64::from(line.quantity);
        }
    }
    Ok(orders
        .into_iter()
        .map(|order| OrderSummary {
            items: items.get(&order.id).copied().unwrap_or(0),
            placed_on: order.created_at.format("%-d %b %Y").to_string(),
            token: order.token,
            number: order.id,
            status: order.status,
            total: order.total,
        })
        .collect())
}
