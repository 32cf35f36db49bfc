//! The back office's first page: what needs doing (orders to ship, stock running low) and the latest
//! changes.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use leptos::prelude::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::inventory::LOW_STOCK;
use super::layout::{self, Section};
use super::{Admin, PageResult};
use crate::model::order::OrderStatus;
use crate::server::entities::order;
use crate::server::services::{audit, inventory};
use crate::server::state::AppState;

pub async fn page(State(state): State<AppState>, Extension(admin): Extension<Admin>) -> PageResult {
    let count = |status: OrderStatus| order::Entity::find().filter(order::Column::Status.eq(status)).count(&state.db);
    let to_ship = count(OrderStatus::Paid).await?;
    let awaiting = count(OrderStatus::PendingPayment).await?;
    let low = inventory::low_stock(&state.db, LOW_STOCK, 200).await?.len();
    let recent = audit::recent(&state.db, 20).await?;
    let content = view! {
        <h1>"Overview"</h1>
        <ul class="tiles">
            <li><a href="/admin/orders?status=paid"><strong>{to_ship}</strong>" paid, to ship"</a></li>
            <li><a href="/admin/orders?status=pending_payment"><strong>{awaiting}</strong>" awaiting payment"</a></li>
            <li><a href="/admin/inventory"><strong>{low}</strong>{format!(" variants with {LOW_STOCK} or fewer on hand")}</a></li>
        </ul>
        {layout::audit_table(recent)}
    };
    Ok(layout::page(StatusCode::OK, "Overview", &admin.0, Section::Overview, None, content))
}
