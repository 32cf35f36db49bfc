//! Promo codes: the list with a new-code form, and one code's page — what it gives, whether it works now
//! and why not, its terms (minimum subtotal, end date, usage limit, paused or live), "End now", the orders
//! placed with it and its audit entries — each change through `services::promos`.

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use leptos::prelude::*;

use super::layout::{self, Notice, Section, money, when};
use super::{Admin, Done, Fields, PageResult, done, field, id_of, refused_status};
use crate::error::AppError;
use crate::server::entities::promo_code;
use crate::server::services::audit::{self, Subject};
use crate::server::services::promos::{self, PromoState, Terms};
use crate::server::state::AppState;

fn terms_form(fields: &Fields) -> Result<Terms, AppError> {
    Terms::parse(field(fields, "min"), field(fields, "ends"), field(fields, "limit"), field(fields, "active") == "on")
}

/// "3 of 100" or "3".
fn uses(row: &promo_code::Model) -> String {
    match row.usage_limit {
        Some(limit) => format!("{} of {limit}", row.used_count),
        None => row.used_count.to_string(),
    }
}

/// The UTC day a code ends on (at its start), as the date field shows it.
fn end_day(row: &promo_code::Model) -> String {
    row.expires_at.map(|at| at.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

pub async fn list(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Query(query): Query<Fields>,
) -> PageResult {
    list_page(&state, &admin, StatusCode::OK, Done::notice(&query), &Fields::new()).await
}

async fn list_page(
    state: &AppState,
    admin: &Admin,
    status: StatusCode,
    notice: Option<Notice>,
    typed: &Fields,
) -> PageResult {
    let now = chrono::Utc::now();
    let codes = promos::list(&state.db).await?;
    let empty = codes.is_empty().then(|| view! { <p class="quiet">"No promo codes yet."</p> });
    let rows = codes
        .iter()
        .map(|row| {
            view! {
                <tr>
                    <td><a href=format!("/admin/promos/{}", row.id)>{row.code.clone()}</a></td>
                    <td>{promos::discount(row)}</td>
                    <td>{PromoState::of(row, now).label()}</td>
                    <td class="num">{uses(row)}</td>
                    <td class="num">{if row.min_subtotal > 0 { money(row.min_subtotal) } else { "—".to_owned() }}</td>
                    <td>{row.expires_at.map_or_else(|| "—".to_owned(), when)}</td>
                </tr>
            }
        })
        .collect_view();
    let typed_value = |name: &str| typed.get(name).cloned().unwrap_or_default();
    let fixed = typed_value("kind") == "fixed";
    let content = view! {
        <h1>"Promo codes"</h1>
        {empty}
        <table>
            <caption class="visually-hidden">"Promo codes, newest first"</caption>
            <thead><tr><th scope="col">"Code"</th><th scope="col">"Discount"</th><th scope="col">"Now"</th><th scope="col" class="num">"Uses"</th><th scope="col" class="num">"Minimum"</th><th scope="col">"Ends"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <form class="stock" method="post" action="/admin/promos">
            <h2>"New promo code"</h2>
            <label for="code">"Code (letters, digits, dashes; shoppers type it in any case)"</label>
            <input id="code" name="code" required minlength="3" maxlength="40" pattern="[A-Za-z0-9_-]+" value=typed_value("code")/>
            <fieldset>
                <legend>"Discount"</legend>
                <label><input type="radio" name="kind" value="percent" checked=!fixed/>"Percent off"</label>
                <label><input type="radio" name="kind" value="fixed" checked=fixed/>"Amount off"</label>
            </fieldset>
            <label for="value">"Percent (1 to 100) or amount (such as 5 or 5.50)"</label>
            <input id="value" name="value" required inputmode="decimal" value=typed_value("value")/>
            {terms_fields(&typed_value("min"), &typed_value("ends"), &typed_value("limit"), None)}
            <button type="submit">"Create code"</button>
        </form>
    };
    Ok(layout::page(status, "Promo codes", &admin.0, Section::Promos, notice, content))
}

/// The terms fields, filled with what was typed or saved; `live` is None on the new-code form (a new code
/// is live).
fn terms_fields(min: &str, ends: &str, limit: &str, live: Option<bool>) -> impl IntoView + use<> {
    let live = live.map(|checked| {
        view! { <label><input type="checkbox" name="active" value="on" checked=checked/>"Live (unchecked: paused, refused at checkout)"</label> }
    });
    view! {
        <label for="min">"Minimum subtotal (empty: any)"</label>
        <input id="min" name="min" inputmode="decimal" value=min.to_owned()/>
        <label for="ends">"Ends at the start of (UTC day; empty: never)"</label>
        <input id="ends" name="ends" type="date" value=ends.to_owned()/>
        <label for="limit">"Usage limit (orders; empty: no limit)"</label>
        <input id="limit" name="limit" type="number" min="1" step="1" value=limit.to_owned()/>
        {live}
    }
}

pub async fn create(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let new = terms_form(&fields).and_then(|terms| {
        promos::parse_new(field(&fields, "code"), field(&fields, "kind"), field(&fields, "value"), &terms)
    });
    let created = match new {
        Ok(new) => promos::create(&state.db, &admin.actor(), &new).await,
        Err(error) => Err(error),
    };
    match created {
        Ok(row) => Ok(done(&format!("/admin/promos/{}", row.id), Done::PromoCreated)),
        Err(error) => {
            let Some(status) = refused_status(&error) else { return Err(error.into()) };
            let (_, notice) = layout::refusal(&error);
            list_page(&state, &admin, status, Some(notice), &fields).await
        }
    }
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
    Query(query): Query<Fields>,
) -> PageResult {
    promo_page(&state, &admin, &id, StatusCode::OK, Done::notice(&query), None).await
}

async fn promo_page(
    state: &AppState,
    admin: &Admin,
    id: &str,
    status: StatusCode,
    notice: Option<Notice>,
    typed: Option<&Fields>,
) -> PageResult {
    let found = match id_of(id) {
        Some(id) => promos::detail(&state.db, id, promos::ORDERS_LIMIT).await?,
        None => None,
    };
    let Some((row, orders)) = found else {
        let content = view! { <h1>"No such promo code"</h1><p><a href="/admin/promos">"All promo codes"</a></p> };
        return Ok(layout::page(
            StatusCode::NOT_FOUND,
            "No such promo code",
            &admin.0,
            Section::Promos,
            notice,
            content,
        ));
    };
    let now = chrono::Utc::now();
    let state_now = PromoState::of(&row, now);
    let audit = audit::of(&state.db, &Subject::Promo(row.id), 100).await?;
    let base = format!("/admin/promos/{}", row.id);
    let (min, ends, limit, live) = match typed {
        Some(typed) => (
            field(typed, "min").to_owned(),
            field(typed, "ends").to_owned(),
            field(typed, "limit").to_owned(),
            field(typed, "active") == "on",
        ),
        None => (
            if row.min_subtotal > 0 {
                format!("{}.{:02}", row.min_subtotal / 100, row.min_subtotal % 100)
            } else {
                String::new()
            },
            end_day(&row),
            row.usage_limit.map(|l| l.to_string()).unwrap_or_default(),
            row.active,
        ),
    };
    let end_now = (state_now != PromoState::Expired).then(|| {
        view! {
            <form class="inline" method="post" action=format!("{base}/expire")>
                <button type="submit">"End now"</button>
                <span class="quiet">"Carts holding it are told it has expired; orders already placed keep their discount."</span>
            </form>
        }
    });
    let order_rows = orders
        .into_iter()
        .map(|o| {
            view! {
                <tr>
                    <td><a href=format!("/admin/orders/{}", o.id)>{format!("#{}", o.id)}</a></td>
                    <td>{when(o.created_at)}</td>
                    <td>{o.email}</td>
                    <td>{o.status.label()}</td>
                    <td class="num">{money(o.discount)}</td>
                    <td class="num">{money(o.total)}</td>
                </tr>
            }
        })
        .collect_view();
    let code = row.code.clone();
    let content = view! {
        <p><a href="/admin/promos">"Promo codes"</a></p>
        <h1>{code.clone()}</h1>
        <dl class="facts">
            <dt>"Discount"</dt><dd>{promos::discount(&row)}</dd>
            <dt>"Now"</dt><dd>{state_now.label()}</dd>
            <dt>"Uses"</dt><dd>{uses(&row)}</dd>
            <dt>"Ends"</dt><dd>{row.expires_at.map_or_else(|| "never".to_owned(), when)}</dd>
            <dt>"Created"</dt><dd>{when(row.created_at)}</dd>
        </dl>
        {end_now}
        <form class="stock" method="post" action=base.clone()>
            <h2>"Terms"</h2>
            {terms_fields(&min, &ends, &limit, Some(live))}
            <button type="submit">"Save terms"</button>
        </form>
        <table>
            <caption>{format!("Orders placed with {code}, newest first")}</caption>
            <thead><tr><th scope="col">"Order"</th><th scope="col">"Placed"</th><th scope="col">"Email"</th><th scope="col">"Status"</th><th scope="col" class="num">"Discount"</th><th scope="col" class="num">"Total"</th></tr></thead>
            <tbody>{order_rows}</tbody>
        </table>
        {layout::audit_table(audit)}
    };
    Ok(layout::page(status, &code, &admin.0, Section::Promos, notice, content))
}

/// A change to one code: back to its page saying so, or its page again with the reason.
async fn answer(
    state: &AppState,
    admin: &Admin,
    id: &str,
    result: Result<(), AppError>,
    typed: Option<&Fields>,
) -> PageResult {
    match result {
        Ok(()) => Ok(done(&format!("/admin/promos/{id}"), Done::PromoSaved)),
        Err(error) => {
            let Some(status) = refused_status(&error) else { return Err(error.into()) };
            let (_, notice) = layout::refusal(&error);
            promo_page(state, admin, id, status, Some(notice), typed).await
        }
    }
}

pub async fn update(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let result = match (id_of(&id).ok_or(AppError::NotFound), terms_form(&fields)) {
        (Ok(promo), Ok(terms)) => promos::update(&state.db, &admin.actor(), promo, &terms).await,
        (Err(error), _) | (_, Err(error)) => Err(error),
    };
    answer(&state, &admin, &id, result, Some(&fields)).await
}

pub async fn expire(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Path(id): Path<String>,
) -> PageResult {
    let result = match id_of(&id) {
        Some(promo) => promos::expire_now(&state.db, &admin.actor(), promo).await,
        None => Err(AppError::NotFound),
    };
    answer(&state, &admin, &id, result, None).await
}
