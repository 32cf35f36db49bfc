//! Inventory: the low-stock list, one SKU's stock with its ledger, and setting or adjusting its stock
//! with a reason (through `services::inventory`, the one writer of stock).

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use leptos::prelude::*;
use sea_orm::EntityTrait;

use super::layout::{self, Notice, Section, money, when};
use super::{Admin, Done, Fields, PageResult, done, refused_status};
use crate::error::AppError;
use crate::model::catalog::{product_path, variant_url};
use crate::server::entities::product;
use crate::server::services::audit::{self, Subject};
use crate::server::services::inventory::{self, StockEdit, StockReason};
use crate::server::state::AppState;

/// The low-stock list shows variants with at most this many on hand, unless the page asks otherwise.
pub const LOW_STOCK: i32 = 5;

pub async fn overview(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Query(query): Query<Fields>,
) -> PageResult {
    // The "find a SKU" form: straight to its page.
    if let Some(sku) = query.get("sku").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let path = format!("/admin/inventory/{}", urlencoding_path(sku));
        return Ok(Redirect::to(&path).into_response());
    }
    let (threshold, notice) = match query.get("below").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => (LOW_STOCK, None),
        Some(value) => match value.parse::<i32>().ok().filter(|n| (0..=inventory::MAX_STOCK).contains(n)) {
            Some(n) => (n, None),
            None => (LOW_STOCK, Some(Notice::Refused("The threshold is a number of units from 0.".into()))),
        },
    };
    let low = inventory::low_stock(&state.db, threshold, 200).await?;
    let rows = low
        .iter()
        .map(|item| {
            view! {
                <tr>
                    <td><a href=format!("/admin/inventory/{}", urlencoding_path(&item.sku))>{item.sku.clone()}</a></td>
                    <td>{item.product.clone()}</td>
                    <td class="num">{item.stock}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = low.is_empty().then(|| view! { <p class="quiet">"Nothing on sale is this low."</p> });
    let status = if notice.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let content = view! {
        <h1>"Inventory"</h1>
        <form class="filters" method="get" action="/admin/inventory">
            <label>"SKU"<input type="search" name="sku" required/></label>
            <button type="submit">"Open"</button>
        </form>
        <h2>"Low stock"</h2>
        <form class="filters" method="get" action="/admin/inventory">
            <label>"At most"<input type="number" name="below" min="0" value=threshold.to_string()/></label>
            <button type="submit">"Show"</button>
        </form>
        {empty}
        <table>
            <caption class="visually-hidden">"Variants on sale running low, fewest first"</caption>
            <thead><tr><th scope="col">"SKU"</th><th scope="col">"Product"</th><th scope="col" class="num">"On hand"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    };
    Ok(layout::page(status, "Inventory", &admin.0, Section::Inventory, notice, content))
}

/// A SKU as one segment of a path.
pub(super) fn urlencoding_path(sku: &str) -> String {
    sku.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

pub async fn sku(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(sku): Path<String>,
    Query(query): Query<Fields>,
) -> PageResult {
    sku_page(&state, &admin, &sku, StatusCode::OK, Done::notice(&query)).await
}

async fn sku_page(
    state: &AppState,
    admin: &Admin,
    sku: &str,
    status: StatusCode,
    notice: Option<Notice>,
) -> PageResult {
    let Some((variant, ledger)) = inventory::history(&state.db, sku, 200).await? else {
        let content = view! { <h1>"No such SKU"</h1><p><a href="/admin/inventory">"Inventory"</a></p> };
        return Ok(layout::page(StatusCode::NOT_FOUND, "No such SKU", &admin.0, Section::Inventory, notice, content));
    };
    let audit = audit::of(&state.db, &Subject::Sku(variant.sku.clone()), 100).await?;
    let product = product::Entity::find_by_id(variant.product_id).one(&state.db).await?;
    let store_link = product.map(|p| {
        let href = variant_url(&product_path(&p.slug), &variant.sku);
        view! { <p>{p.title}" · "<a href=href>"View in the store"</a></p> }
    });
    let rows = ledger
        .into_iter()
        .map(|row| {
            let order = row.order_id.map(|id| view! { <a href=format!("/admin/orders/{id}")>{format!("#{id}")}</a> });
            view! {
                <tr>
                    <td>{when(row.created_at)}</td>
                    <td class="num">{format!("{:+}", row.delta)}</td>
                    <td>{row.reason}</td>
                    <td>{order}</td>
                </tr>
            }
        })
        .collect_view();
    let reasons =
        StockReason::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view();
    let action = format!("/admin/inventory/{}/stock", urlencoding_path(&variant.sku));
    let title = variant.sku.clone();
    let content = view! {
        <p><a href="/admin/inventory">"Inventory"</a></p>
        <h1>{title.clone()}</h1>
        {store_link}
        <dl class="facts">
            <dt>"On hand"</dt><dd>{variant.stock}</dd>
            <dt>"Price"</dt><dd>{money(variant.price)}</dd>
            <dt>"For sale"</dt><dd>{if variant.active { "yes" } else { "no (deactivated)" }}</dd>
        </dl>
        <form class="stock" method="post" action=action>
            <h2>"Change stock"</h2>
            <fieldset>
                <legend>"How"</legend>
                <label><input type="radio" name="mode" value="adjust" checked/>"Add or take away (e.g. 12 or -3)"</label>
                <label><input type="radio" name="mode" value="set"/>"Set to a count"</label>
            </fieldset>
            <label for="quantity">"Units"</label>
            <input id="quantity" name="quantity" type="number" required step="1"/>
            <label for="reason">"Reason"</label>
            <select id="reason" name="reason" required>{reasons}</select>
            <button type="submit">"Save stock"</button>
        </form>
        <table>
            <caption>"Ledger, newest first"</caption>
            <thead><tr><th scope="col">"When"</th><th scope="col" class="num">"Change"</th><th scope="col">"Reason"</th><th scope="col">"Order"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {layout::audit_table(audit)}
    };
    Ok(layout::page(status, &title, &admin.0, Section::Inventory, notice, content))
}

/// The form's change: `mode` (adjust | set), `quantity`, `reason`.
fn parse_edit(fields: &Fields) -> Result<(StockEdit, StockReason), AppError> {
    let get = |name: &str| fields.get(name).map_or("", |v| v.trim());
    let quantity: i32 =
        get("quantity").parse().map_err(|_| AppError::invalid("quantity", "Units: type a whole number."))?;
    let edit = match get("mode") {
        "set" => StockEdit::SetTo(quantity),
        "adjust" | "" => StockEdit::Adjust(quantity),
        _ => return Err(AppError::invalid("mode", "Choose to add or take away, or to set a count.")),
    };
    let reason =
        StockReason::parse(get("reason")).ok_or_else(|| AppError::invalid("reason", "Pick a reason from the list."))?;
    Ok((edit, reason))
}

pub async fn edit(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(sku): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let result = match parse_edit(&fields) {
        Ok((edit, reason)) => inventory::edit_by(&state.db, &admin.actor(), &sku, edit, reason).await.map(drop),
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => Ok(done(&format!("/admin/inventory/{}", urlencoding_path(&sku)), Done::StockSaved)),
        Err(error) => {
            let Some(status) = refused_status(&error) else { return Err(error.into()) };
            let (_, notice) = layout::refusal(&error);
            sku_page(&state, &admin, &sku, status, Some(notice)).await
        }
    }
}
