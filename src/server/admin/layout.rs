//! The back office's page frame (its own stylesheet, no scripts: every page works without JavaScript),
//! its notices and its error page.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::*;

use crate::error::AppError;
use crate::server::entities::user;

/// The sections of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Orders,
    Products,
    Promos,
    Inventory,
    Reconcile,
}

impl Section {
    const ALL: [Section; 6] = [
        Section::Overview,
        Section::Orders,
        Section::Products,
        Section::Promos,
        Section::Inventory,
        Section::Reconcile,
    ];

    fn link(self) -> (&'static str, &'static str) {
        match self {
            Section::Overview => ("/admin", "Overview"),
            Section::Orders => ("/admin/orders", "Orders"),
            Section::Products => ("/admin/products", "Products"),
            Section::Promos => ("/admin/promos", "Promo codes"),
            Section::Inventory => ("/admin/inventory", "Inventory"),
            Section::Reconcile => ("/admin/reconcile", "Reconciliation"),
        }
    }
}

/// What the page says above its content: a change just made, or why one was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Done(&'static str),
    Refused(String),
}

/// A whole back-office page with `status`.
pub fn page(
    status: StatusCode,
    title: &str,
    admin: &user::Model,
    section: Section,
    notice: Option<Notice>,
    content: impl IntoView + 'static,
) -> Response {
    let title = format!("{title} · Back office");
    let email = admin.email.clone();
    let nav = Section::ALL
        .into_iter()
        .map(|s| {
            let (href, label) = s.link();
            let current = (s == section).then_some("page");
            view! { <li><a href=href aria-current=current>{label}</a></li> }
        })
        .collect_view();
    let notice = notice.map(|notice| match notice {
        Notice::Done(message) => view! { <p class="notice done" role="status">{message}</p> }.into_any(),
        Notice::Refused(message) => view! { <p class="notice refused" role="alert">{message}</p> }.into_any(),
    });
    let html = view! {
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="robots" content="noindex"/>
                <title>{title}</title>
                <link rel="stylesheet" href="/back-office.css"/>
            </head>
            <body>
                <a class="skip" href="#content">"Skip to content"</a>
                <header class="bar">
                    <a class="brand" href="/admin">"Back office"</a>
                    <nav aria-label="Back office"><ul>{nav}</ul></nav>
                    <span class="who">{email}" · "<a href="/">"Store"</a></span>
                </header>
                <main id="content">
                    {notice}
                    {content}
                </main>
            </body>
        </html>
    }
    .to_html();
    (status, Html(format!("<!DOCTYPE html>{html}"))).into_response()
}

/// A refused change: its message and the status that says why (422 bad input, 409 not now, 404 gone).
pub fn refusal(error: &AppError) -> (StatusCode, Notice) {
    (error.status_code(), Notice::Refused(error.to_string()))
}

/// `YYYY-MM-DD HH:MM` UTC, as the back office shows times.
pub fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Minor units as the shop's money.
pub fn money(minor: i64) -> String {
    crate::model::money::Money::store(minor).format()
}

/// A table of audit entries (who, what, when, before → after), or a line saying there are none.
pub fn audit_table(entries: Vec<crate::server::entities::audit_entry::Model>) -> impl IntoView {
    use crate::server::services::orders::back_office::action_label;
    if entries.is_empty() {
        return view! { <p class="quiet">"No changes made in the back office yet."</p> }.into_any();
    }
    let rows = entries
        .into_iter()
        .map(|entry| {
            view! {
                <tr>
                    <td>{when(entry.created_at)}</td>
                    <td>{entry.actor}</td>
                    <td>{action_label(&entry.action).to_owned()}</td>
                    <td><code>{entry.before}</code></td>
                    <td><code>{entry.after}</code></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table>
            <caption>"Changes (audit log)"</caption>
            <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
