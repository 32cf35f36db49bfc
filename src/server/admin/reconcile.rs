//! Inventory reconciliation as a page: the same check as `storefront reconcile-inventory` and the hourly
//! job, and its repair (correcting ledger rows, reason `reconcile`) behind a button.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use leptos::prelude::*;

use super::layout::{self, Section};
use super::{Admin, Done, PageResult, done};
use crate::server::services::audit;
use crate::server::services::reconcile::{self, Reconciliation};
use crate::server::state::AppState;

pub async fn page(
    State(state): State<AppState>,
    Extension(admin): Extension<Admin>,
    Query(query): Query<HashMap<String, String>>,
) -> PageResult {
    let found = reconcile::check(&state.db).await?;
    Ok(layout::page(
        StatusCode::OK,
        "Reconciliation",
        &admin.0,
        Section::Reconcile,
        Done::notice(&query),
        report(found),
    ))
}

fn report(found: Reconciliation) -> impl IntoView {
    let ledger_drift = found.drifts.iter().any(|d| d.ledger_drift() != 0);
    let has_drift = found.has_drift();
    let summary = if found.has_drift() {
        format!("{} of {} SKUs drift.", found.drifts.len(), found.skus_checked)
    } else {
        format!("All {} SKUs agree with their ledger and with the orders awaiting payment.", found.skus_checked)
    };
    let rows = found
        .drifts
        .into_iter()
        .map(|d| {
            view! {
                <tr>
                    <td><a href=format!("/admin/inventory/{}", d.sku)>{d.sku.clone()}</a></td>
                    <td class="num">{d.stock}</td>
                    <td class="num">{d.ledger}</td>
                    <td class="num">{d.ledger_drift()}</td>
                    <td class="num">{d.held_by_orders}</td>
                    <td class="num">{d.held_in_ledger}</td>
                    <td class="num">{d.hold_drift()}</td>
                </tr>
            }
        })
        .collect_view();
    let table = has_drift.then(|| {
        view! {
            <table>
                <caption>"Drift per SKU"</caption>
                <thead><tr>
                    <th scope="col">"SKU"</th><th scope="col" class="num">"On hand"</th><th scope="col" class="num">"Ledger sum"</th>
                    <th scope="col" class="num">"Ledger drift"</th><th scope="col" class="num">"Held by orders"</th>
                    <th scope="col" class="num">"Held in ledger"</th><th scope="col" class="num">"Hold drift"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    let repair = ledger_drift.then(|| {
        view! {
            <form method="post" action="/admin/reconcile/apply">
                <p>"Repairing writes one correcting ledger row (reason “reconcile”) per drifting SKU and keeps the stock on hand. Holds are only reported: an order without its stock needs a person."</p>
                <button type="submit">"Correct the ledger"</button>
            </form>
        }
    });
    view! {
        <h1>"Reconciliation"</h1>
        <p>{summary}</p>
        {table}
        {repair}
    }
}

pub async fn apply(State(state): State<AppState>, Extension(admin): Extension<Admin>) -> PageResult {
    let repaired = reconcile::repair(&state.db).await?;
    if !repaired.repaired.is_empty() {
        let change = audit::Change {
            action: "ledger_reconciled",
            subject: audit::Subject::Inventory,
            before: repaired.to_json(),
            after: serde_json::json!({ "corrected": repaired.repaired }),
        };
        audit::record(&state.db, &admin.actor(), change).await?;
    }
    Ok(done("/admin/reconcile", Done::Reconciled))
}
