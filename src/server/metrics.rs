//! Prometheus metrics (the `metrics` crate, exposed by `metrics-exporter-prometheus`) at `/metrics`,
//! reachable only with the bearer token of `STORE_METRICS_TOKEN` (without one, `/metrics` is the shop's
//! 404). Every metric's name and meaning is here, and each is written by one call site through the
//! functions below. Counters count since the process started (Prometheus's `rate()` takes care of
//! restarts); the gauges (outbox backlog, database pool) are read when Prometheus scrapes.

use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::state::AppState;
use crate::error::AppError;

pub const HTTP_REQUESTS: &str = "storefront_http_requests_total";
pub const HTTP_DURATION: &str = "storefront_http_request_duration_seconds";
pub const SERVER_FUNCTION_CALLS: &str = "storefront_server_function_calls_total";
pub const ORDERS_PLACED: &str = "storefront_orders_placed_total";
pub const ORDERS_REFUSED: &str = "storefront_orders_refused_total";
pub const OVERSELLS_PREVENTED: &str = "storefront_oversells_prevented_total";
pub const HOLDS_EXPIRED: &str = "storefront_holds_expired_total";
pub const SWEEPER_REVIVED: &str = "storefront_sweeper_revived_total";
pub const SWEEPER_REFUNDS: &str = "storefront_sweeper_refunds_total";
pub const WEBHOOK_VERIFICATION_FAILURES: &str = "storefront_webhook_verification_failures_total";
pub const WEBHOOK_DUPLICATES: &str = "storefront_webhook_duplicates_total";
pub const OUTBOX_BACKLOG: &str = "storefront_outbox_backlog";
pub const MAIL_SEND_FAILURES: &str = "storefront_mail_send_failures_total";
pub const PAGE_CACHE_HITS: &str = "storefront_page_cache_hits_total";
pub const PAGE_CACHE_MISSES: &str = "storefront_page_cache_misses_total";
pub const DB_POOL_IN_USE: &str = "storefront_db_pool_connections_in_use";
pub const DB_POOL_OPEN: &str = "storefront_db_pool_connections_open";
pub const JOB_RUNS: &str = "storefront_job_runs_total";
pub const JOB_DURATION: &str = "storefront_job_duration_seconds";

/// Latency buckets (seconds) of every `_seconds` histogram: 1 ms to 10 s.
const BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0];

/// The process's recorder, installed once (tests start many apps in one process: they share it).
fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder =
                PrometheusBuilder::new().set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS).ok()?;
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("another metrics recorder is installed: /metrics stays empty");
                return None;
            }
            describe();
            Some(handle)
        })
        .as_ref()
}

/// Installs the recorder (at start, so counters count from then on).
pub fn install() {
    handle();
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by method, route pattern and status.");
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "Time to answer an HTTP request, by method, route and status.");
    describe_counter!(SERVER_FUNCTION_CALLS, "Server function calls, by function and outcome (ok, refused, error).");
    describe_counter!(ORDERS_PLACED, "Orders placed (a repeated submit of the same order is not counted).");
    describe_counter!(ORDERS_REFUSED, "Order placements refused, and card payments declined, by reason.");
    describe_counter!(OVERSELLS_PREVENTED, "Conditional stock updates that found too little stock (nothing taken).");
    describe_counter!(HOLDS_EXPIRED, "Orders cancelled because their payment hold ran out.");
    describe_counter!(SWEEPER_REVIVED, "Cancelled orders paid late that the sweeper made paid again.");
    describe_counter!(SWEEPER_REFUNDS, "Refunds the sweeper got the provider to make.");
    describe_counter!(WEBHOOK_VERIFICATION_FAILURES, "Payment webhooks refused for a missing or bad signature.");
    describe_counter!(WEBHOOK_DUPLICATES, "Payment webhooks received again (already applied, ignored).");
    describe_gauge!(OUTBOX_BACKLOG, "Mails in the outbox not sent yet (read at scrape time).");
    describe_counter!(MAIL_SEND_FAILURES, "Mail delivery attempts that failed (each is retried later).");
    describe_counter!(PAGE_CACHE_HITS, "Pages answered from the page cache.");
    describe_counter!(PAGE_CACHE_MISSES, "Cacheable pages rendered because the cache did not hold them.");
    describe_gauge!(DB_POOL_IN_USE, "Database connections in use (read at scrape time).");
    describe_gauge!(DB_POOL_OPEN, "Database connections open, idle or not (read at scrape time).");
    describe_counter!(JOB_RUNS, "Background job rounds run on this node, by job and outcome (ok, error).");
    describe_histogram!(JOB_DURATION, Unit::Seconds, "Time a background job round took, by job.");
}

/// Counts every request by its route pattern (`/p/{slug}`, not the path: bounded labels) and status.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let method = request.method().as_str().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    counter!(HTTP_REQUESTS, &labels).increment(1);
    histogram!(HTTP_DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// A server function's answer: ok (2xx/3xx), refused (4xx) or error (5xx).
pub fn server_function_called(path: &str, status: StatusCode) {
    let function = path.trim_start_matches("/api/").to_owned();
    let outcome = match status.as_u16() {
        500.. => "error",
        400.. => "refused",
        _ => "ok",
    };
    counter!(SERVER_FUNCTION_CALLS, "function" => function, "outcome" => outcome).increment(1);
}

/// Why a placement was refused (the metric's `reason` label).
pub fn order_refused(error: &AppError) {
    let reason = match error {
        AppError::Validation(fields) if fields.keys().any(|k| k.starts_with("line:")) => "out_of_stock",
        AppError::Validation(fields) if fields.contains_key("total") => "total_changed",
        AppError::Validation(fields) if fields.contains_key("promo_code") => "promo_code",
        AppError::Validation(fields) if fields.contains_key("cart") => "cart_changed",
        AppError::Conflict(_) => "idempotency_conflict",
        AppError::Validation(_) => "invalid_details",
        _ => "error",
    };
    counter!(ORDERS_REFUSED, "reason" => reason).increment(1);
}

pub fn order_placed() {
    counter!(ORDERS_PLACED).increment(1);
}

pub fn payment_declined() {
    counter!(ORDERS_REFUSED, "reason" => "payment_declined").increment(1);
}

pub fn oversell_prevented() {
    counter!(OVERSELLS_PREVENTED).increment(1);
}

pub fn holds_expired(orders: usize) {
    counter!(HOLDS_EXPIRED).increment(orders as u64);
}

pub fn swept(revived: usize, refunded: usize) {
    counter!(SWEEPER_REVIVED).increment(revived as u64);
    counter!(SWEEPER_REFUNDS).increment(refunded as u64);
}

pub fn webhook_refused() {
    counter!(WEBHOOK_VERIFICATION_FAILURES).increment(1);
}

pub fn webhook_duplicate() {
    counter!(WEBHOOK_DUPLICATES).increment(1);
}

pub fn mail_send_failed() {
    counter!(MAIL_SEND_FAILURES).increment(1);
}

pub fn page_cache(hit: bool) {
    counter!(if hit { PAGE_CACHE_HITS } else { PAGE_CACHE_MISSES }).increment(1);
}

pub fn job_ran(job: &str, took: Duration, ok: bool) {
    let job = job.to_owned();
    counter!(JOB_RUNS, "job" => job.clone(), "outcome" => if ok { "ok" } else { "error" }).increment(1);
    histogram!(JOB_DURATION, "job" => job).record(took.as_secs_f64());
}

/// GET /metrics: the exposition, with `Authorization: Bearer <STORE_METRICS_TOKEN>`. Without a token
/// configured it is the shop's 404 (nothing says metrics exist); a wrong or missing token is 401.
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap, request: Request) -> Response {
    let Some(token) = state.settings.metrics_token.as_ref() else {
        return super::startup::not_found(State(state), request).await;
    };
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_secret(offered, token.expose()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "A valid bearer token is required.\n",
        )
            .into_response();
    }
    let Some(handle) = handle() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "Metrics are not recorded by this process.\n").into_response();
    };
    sample_gauges(&state).await;
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
}

/// Whether two secrets are equal, in time that does not depend on where they differ (their digests are
/// compared in full).
fn same_secret(offered: &str, expected: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(offered.as_bytes()), Sha256::digest(expected.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The gauges read when scraped: the outbox's backlog and the database pool.
async fn sample_gauges(state: &AppState) {
    match super::services::mail::backlog(&state.db).await {
        Ok(backlog) => gauge!(OUTBOX_BACKLOG).set(backlog as f64),
        Err(error) => tracing::warn!(%error, "could not count the outbox backlog"),
    }
    let (open, idle) = pool_sizes(&state.db);
    gauge!(DB_POOL_OPEN).set(f64::from(open));
    gauge!(DB_POOL_IN_USE).set(f64::from(open.saturating_sub(idle)));
}

fn pool_sizes(db: &sea_orm::DatabaseConnection) -> (u32, u32) {
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
    }
}
