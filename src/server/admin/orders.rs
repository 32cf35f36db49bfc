//! Orders: the list (filters, pages), one order with its timeline, and fulfil / cancel / refund (in
//! full, or by line).

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use leptos::prelude::*;

use super::layout::{self, Notice, Section, money, when};
use super::{Admin, Done, Fields, PageResult, done, field, id_of, refused_status};
use crate::error::AppError;
use crate::model::order::OrderStatus;
use crate::server::entities::order_line;
use crate::server::services::checkout::parse_address;
use crate::server::services::orders::back_office::{self, OrderFilter, Outcome};
use crate::server::services::orders::refunds;
use crate::server::state::AppState;

/// The list's filters from its query; a value that cannot be read is refused with what to type.
fn parse_filter(query: &Fields) -> Result<(OrderFilter, u64), AppError> {
    let text = |name: &str| Some(field(query, name)).filter(|v| !v.is_empty()).map(str::to_owned);
    let day = |name: &str, label: &str| -> Result<_, AppError> {
        text(name)
            .map(|v| chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d"))
            .transpose()
            .map_err(|_| AppError::invalid(name, format!("{label}: type a date as YYYY-MM-DD.")))
    };
    let status = match text("status") {
        None => None,
        Some(value) => Some(
            OrderStatus::parse(&value).ok_or_else(|| AppError::invalid("status", "Pick a status from the list."))?,
        ),
    };
    let page = match text("page") {
        None => 1,
        Some(value) => value
            .parse::<u64>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| AppError::invalid("page", "A page is a number from 1."))?,
    };
    let filter = OrderFilter {
        status,
        placed_from: day("from", "Placed from")?,
        placed_to: day("to", "Placed to")?,
        email: text("email"),
        sku: text("sku"),
    };
    Ok((filter, page))
}

/// The query of `filter` at `page`, for the pages' links.
fn filter_query(filter: &OrderFilter, page: u64) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(status) = filter.status {
        pairs.push(("status", status.as_str().to_owned()));
    }
    if let Some(day) = filter.placed_from {
        pairs.push(("from", day.to_string()));
    }
    if let Some(day) = filter.placed_to {
        pairs.push(("to", day.to_string()));
    }
    if let Some(email) = &filter.email {
        pairs.push(("email", email.clone()));
    }
    if let Some(sku) = &filter.sku {
        pairs.push(("sku", sku.clone()));
    }
    pairs.push(("page", page.to_string()));
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

pub async fn list(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Query(query): Query<Fields>,
) -> PageResult {
    let (parsed, notice) = match parse_filter(&query) {
        Ok(parsed) => (parsed, None),
        Err(error) => ((OrderFilter::default(), 1), Some(error)),
    };
    let (filter, page) = parsed;
    let found = back_office::list(&state.db, &filter, page).await?;
    let status_of = |name: &str| field(&query, name).to_owned();
    let chosen = status_of("status");
    let statuses = OrderStatus::ALL
        .into_iter()
        .map(|s| view! { <option value=s.as_str() selected=chosen == s.as_str()>{s.label()}</option> })
        .collect_view();
    let rows = found
        .orders
        .iter()
        .map(|o| {
            view! {
                <tr>
                    <td><a href=format!("/admin/orders/{}", o.id)>{format!("#{}", o.id)}</a></td>
                    <td>{when(o.created_at)}</td>
                    <td>{o.email.clone()}</td>
                    <td>{o.status.label()}</td>
                    <td>{format!("{:?}", o.payment_status).to_lowercase()}</td>
                    <td class="num">{money(o.total)}</td>
                </tr>
            }
        })
        .collect_view();
    let pager = (found.pages > 1).then(|| {
        let previous = (found.page > 1).then(|| {
            view! { <a rel="prev" href=format!("/admin/orders?{}", filter_query(&filter, found.page - 1))>"Previous page"</a> }
        });
        let next = (found.page < found.pages).then(|| {
            view! { <a rel="next" href=format!("/admin/orders?{}", filter_query(&filter, found.page + 1))>"Next page"</a> }
        });
        view! { <nav class="pager" aria-label="Pages">{previous}<span>{format!("Page {} of {}", found.page, found.pages)}</span>{next}</nav> }
    });
    let empty = found.orders.is_empty().then(|| view! { <p class="quiet">"No orders match these filters."</p> });
    let status = if notice.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let notice = notice.map(|e| Notice::Refused(e.to_string()));
    let content = view! {
        <h1>"Orders"</h1>
        <form class="filters" method="get" action="/admin/orders">
            <label>"Status"
                <select name="status"><option value="">"Any"</option>{statuses}</select>
            </label>
            <label>"Placed from"<input type="date" name="from" value=status_of("from")/></label>
            <label>"Placed to"<input type="date" name="to" value=status_of("to")/></label>
            <label>"Email"<input type="search" name="email" value=status_of("email")/></label>
            <label>"SKU"<input type="search" name="sku" value=status_of("sku")/></label>
            <button type="submit">"Filter"</button>
            <a href="/admin/orders">"Clear"</a>
        </form>
        <p class="quiet">{format!("{} orders", found.matching)}</p>
        {empty}
        <table>
            <caption class="visually-hidden">"Orders, newest first"</caption>
            <thead><tr><th scope="col">"Order"</th><th scope="col">"Placed"</th><th scope="col">"Email"</th><th scope="col">"Status"</th><th scope="col">"Payment"</th><th scope="col" class="num">"Total"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {pager}
    };
    Ok(layout::page(status, "Orders", &admin.0, Section::Orders, notice, content))
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
    Query(query): Query<Fields>,
) -> PageResult {
    let notice = Done::notice(&query);
    order_page(&state, &admin, &id, StatusCode::OK, notice).await
}

async fn order_page(
    state: &AppState,
    admin: &Admin,
    id: &str,
    status: StatusCode,
    notice: Option<Notice>,
) -> PageResult {
    let found = match id_of(id) {
        Some(id) => back_office::detail(&state.db, id).await?,
        None => None,
    };
    let Some(detail) = found else {
        let content = view! { <h1>"No such order"</h1><p><a href="/admin/orders">"All orders"</a></p> };
        return Ok(layout::page(StatusCode::NOT_FOUND, "No such order", &admin.0, Section::Orders, notice, content));
    };
    let order = detail.order;
    let number = order.id;
    let any_refunded = detail.lines.iter().any(|l| l.refunded_quantity > 0);
    let refund_units = refund_units_form(number, &detail.lines, detail.allowed.refund);
    let lines = detail
        .lines
        .into_iter()
        .map(|l| {
            let refunded = any_refunded.then(|| view! { <td class="num">{l.refunded_quantity}</td> });
            view! {
                <tr>
                    <td><a href=format!("/admin/inventory/{}", super::inventory::urlencoding_path(&l.sku))>{l.sku.clone()}</a></td>
                    <td>{l.title}</td>
                    <td class="num">{l.quantity}</td>
                    {refunded}
                    <td class="num">{money(l.unit_price)}</td>
                    <td class="num">{money(l.line_total)}</td>
                </tr>
            }
        })
        .collect_view();
    let refunded_head = any_refunded.then(|| view! { <th scope="col" class="num">"Refunded"</th> });
    let address = parse_address(&order.shipping_address)
        .map(|a| a.lines().into_iter().map(|line| view! { <span>{line}</span><br/> }).collect_view());
    let events = detail
        .timeline
        .into_iter()
        .map(|e| view! { <li><time datetime=e.at.to_rfc3339()>{when(e.at)}</time>" "{e.what}</li> })
        .collect_view();
    let allowed = detail.allowed;
    let fulfil = allowed.fulfil.then(|| {
        view! {
            <form method="post" action=format!("/admin/orders/{number}/fulfil")>
                <h3>"Ship"</h3>
                <label for="tracking_number">"Tracking number"</label>
                <input id="tracking_number" name="tracking_number" required maxlength="64" autocomplete="off"/>
                <button type="submit">"Mark as shipped"</button>
            </form>
        }
    });
    let paid = order.status != OrderStatus::PendingPayment;
    let cancel = allowed.cancel.then(|| {
        let label = if paid { format!("Cancel and refund {}", money(order.total)) } else { "Cancel order".to_owned() };
        view! {
            <form method="post" action=format!("/admin/orders/{number}/cancel")>
                <h3>"Cancel"</h3>
                <label for="cancel_reason">"Reason (kept on the order)"</label>
                <textarea id="cancel_reason" name="reason" maxlength="500" rows="2"></textarea>
                <button type="submit" class="danger">{label}</button>
            </form>
        }
    });
    let left = order.total - order.refunded_amount;
    let waits = (allowed.refund && !allowed.refund_rest(detail.refund_pending))
        .then(|| view! { <p class="quiet">{back_office::REFUND_REST_WAITS}</p> });
    let refund = allowed.refund_rest(detail.refund_pending).then(|| {
        let label = if order.refunded_amount > 0 {
            format!("Refund the rest ({})", money(left))
        } else {
            format!("Refund {} in full", money(order.total))
        };
        view! {
            <form method="post" action=format!("/admin/orders/{number}/refund")>
                <h3>"Refund"</h3>
                <label for="refund_reason">"Reason (kept on the order)"</label>
                <textarea id="refund_reason" name="reason" maxlength="500" rows="2"></textarea>
                <button type="submit" class="danger">{label}</button>
            </form>
        }
    });
    let refunded_row = (order.refunded_amount > 0).then(|| {
        view! { <tr><th scope="row">"Refunded by line"</th><td class="num">{format!("-{}", money(order.refunded_amount))}</td></tr> }
    });
    let no_actions = !(allowed.fulfil || allowed.cancel || allowed.refund);
    let note = (!order.note.is_empty()).then(|| view! { <p><strong>"Note: "</strong>{order.note.clone()}</p> });
    let tracking = (!order.tracking_number.is_empty())
        .then(|| view! { <p><strong>"Tracking number: "</strong>{order.tracking_number.clone()}</p> });
    let discount = (order.discount > 0).then(|| {
        view! { <tr><th scope="row">{format!("Discount ({})", order.promo_code)}</th><td class="num">{format!("-{}", money(order.discount))}</td></tr> }
    });
    let title = format!("Order #{number}");
    let content = view! {
        <p><a href="/admin/orders">"All orders"</a></p>
        <h1>{title.clone()}</h1>
        <dl class="facts">
            <dt>"Status"</dt><dd>{order.status.label()}</dd>
            <dt>"Payment"</dt><dd>{format!("{:?}", order.payment_status).to_lowercase()}</dd>
            <dt>"Customer"</dt><dd>{order.email.clone()}{order.user_id.map(|_| " (account)")}</dd>
            <dt>"Placed"</dt><dd>{when(order.created_at)}</dd>
            <dt>"Shipping"</dt><dd>{order.shipping_method.clone()}</dd>
        </dl>
        {note}
        {tracking}
        <div class="columns">
            <section>
                <h2>"Items"</h2>
                <table>
                    <thead><tr><th scope="col">"SKU"</th><th scope="col">"Item"</th><th scope="col" class="num">"Qty"</th>{refunded_head}<th scope="col" class="num">"Price"</th><th scope="col" class="num">"Total"</th></tr></thead>
                    <tbody>{lines}</tbody>
                </table>
                <table class="totals">
                    <tbody>
                        <tr><th scope="row">"Subtotal"</th><td class="num">{money(order.subtotal)}</td></tr>
                        {discount}
                        <tr><th scope="row">"Shipping"</th><td class="num">{money(order.shipping)}</td></tr>
                        <tr><th scope="row">"Tax"</th><td class="num">{money(order.tax)}</td></tr>
                        <tr><th scope="row">"Total"</th><td class="num">{money(order.total)}</td></tr>
                        {refunded_row}
                    </tbody>
                </table>
                <h2>"Ship to"</h2>
                <address>{address}</address>
            </section>
            <section>
                <h2>"Actions"</h2>
                {fulfil}
                {cancel}
                {refund_units}
                {refund}
                {waits}
                {no_actions.then(|| view! { <p class="quiet">"Nothing more can be done to this order."</p> })}
                <h2>"Timeline"</h2>
                <ol class="timeline">{events}</ol>
            </section>
        </div>
        {layout::audit_table(detail.audit)}
    };
    Ok(layout::page(status, &title, &admin.0, Section::Orders, notice, content))
}

/// The order's page again, saying why `error` refused the change (or the failure page for a fault).
async fn refused(state: &AppState, admin: &Admin, id: &str, error: AppError) -> PageResult {
    let Some(status) = refused_status(&error) else { return Err(error.into()) };
    let (_, notice) = layout::refusal(&error);
    order_page(state, admin, id, status, Some(notice)).await
}

fn outcome(id: i32, outcome: Outcome, done_as: Done) -> axum::response::Response {
    let path = format!("/admin/orders/{id}");
    match outcome {
        Outcome::Done => done(&path, done_as),
        Outcome::RefundPending => done(&path, Done::RefundPending),
    }
}

pub async fn fulfil(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let Some(number) = id_of(&id) else { return refused(&state, &admin, &id, AppError::NotFound).await };
    let shop = &state.payments.shop;
    match back_office::fulfil(&state.db, shop, &admin.actor(), number, field(&fields, "tracking_number")).await {
        Ok(()) => Ok(done(&format!("/admin/orders/{number}"), Done::Fulfilled)),
        Err(error) => refused(&state, &admin, &id, error).await,
    }
}

pub async fn cancel(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let Some(number) = id_of(&id) else { return refused(&state, &admin, &id, AppError::NotFound).await };
    match back_office::cancel(&state.db, &state.payments, &admin.actor(), number, field(&fields, "reason")).await {
        Ok(result) => Ok(outcome(number, result, Done::Cancelled)),
        Err(error) => refused(&state, &admin, &id, error).await,
    }
}

pub async fn refund(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let Some(number) = id_of(&id) else { return refused(&state, &admin, &id, AppError::NotFound).await };
    match back_office::refund(&state.db, &state.payments, &admin.actor(), number, field(&fields, "reason")).await {
        Ok(result) => Ok(outcome(number, result, Done::Refunded)),
        Err(error) => refused(&state, &admin, &id, error).await,
    }
}

/// "Refund by line": how many units of each line (up to those not refunded yet), whether they are back
/// on hand, and why; shown while the order can be refunded and has a unit left.
fn refund_units_form(number: i32, lines: &[order_line::Model], allowed: bool) -> Option<impl IntoView + use<>> {
    let open: Vec<_> = lines.iter().filter(|l| l.quantity > l.refunded_quantity).cloned().collect();
    if !allowed || open.is_empty() {
        return None;
    }
    let inputs = open
        .into_iter()
        .map(|l| {
            let id = format!("line-{}", l.id);
            let left = l.quantity - l.refunded_quantity;
            view! {
                <label for=id.clone()>{format!("{} ({}), {left} left to refund", l.title, l.sku)}</label>
                <input id=id.clone() name=id type="number" min="0" max=left.to_string() step="1" value="0"/>
            }
        })
        .collect_view();
    Some(view! {
        <form method="post" action=format!("/admin/orders/{number}/refund-lines")>
            <h3>"Refund by line"</h3>
            {inputs}
            <label><input type="checkbox" name="restock" value="on"/>"Put these units back on hand (returned)"</label>
            <label for="lines_reason">"Reason (kept with the refund)"</label>
            <textarea id="lines_reason" name="reason" maxlength="500" rows="2"></textarea>
            <button type="submit">"Refund these units"</button>
        </form>
    })
}

pub async fn refund_lines(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let Some(number) = id_of(&id) else { return refused(&state, &admin, &id, AppError::NotFound).await };
    let value = |name: &str| fields.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.trim());
    let result = match refunds::parse_units(fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))) {
        Ok(units) => {
            let restock = value("restock") == "on";
            refunds::refund_units(&state.db, &state.payments, &admin.actor(), number, &units, restock, value("reason"))
                .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(result) => Ok(outcome(number, result, Done::RefundedUnits)),
        Err(error) => refused(&state, &admin, &id, error).await,
    }
}
