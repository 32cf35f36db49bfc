//! Builds the application: settings → database → router → listener. Used by `main` and by every test.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::app::{App, shell};
use crate::error::AppError;

use super::config::{SettingError, Settings};
use super::page_cache::PageCache;
use super::rate_limit::{self, RateLimits};
use super::services::mail::delivery::Mailer;
use super::services::payments::Payments;
use super::services::read_model::ReadModel;
use super::state::AppState;
use super::stock_feed::StockFeed;
use super::{
    account_session, admin, cart_session, db, health, http, images, jobs, metrics, page_cache, sandbox, seed, seo,
    serve, telemetry, webhooks,
};

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Binds the address (port 0 picks a free one), connects to the database and applies migrations.
    pub async fn build(settings: Settings) -> Result<Self, SettingError> {
        metrics::install();
        let listener = TcpListener::bind(settings.address)
            .await
            .map_err(|e| SettingError::new("STORE_ADDRESS", format!("cannot listen on {}: {e}", settings.address)))?;
        let bound = listener.local_addr().map_err(|e| SettingError::new("STORE_ADDRESS", e))?;
        let settings = settings.with_bound_address(bound);
        let db = db::connect_and_migrate(&settings).await?;
        if settings.seed_demo {
            seed_demo_catalog(&db).await?;
        }
        let leptos_options = leptos_options(&settings)?;
        let catalog = ReadModel::load(&db).await.map_err(|e| SettingError::new("catalog", e))?;
        let page_cache = PageCache::default();
        let stock = StockFeed::start(&db).await.map_err(|e| SettingError::new("stock feed", e))?;
        jobs::spawn_catalog_refresh(catalog.clone(), page_cache.clone(), stock, db.clone(), settings.catalog_refresh);
        let payments = Payments::from_settings(&settings);
        if settings.housekeeping {
            jobs::spawn_housekeeping(db.clone(), payments.clone());
        }
        if settings.payments.sandbox && !settings.production {
            let url = format!("{}/webhooks/payments", settings.public_url);
            sandbox::spawn_webhook_delivery(db.clone(), url, settings.payments.webhook_secret.expose().to_owned());
        }
        match &settings.smtp {
            Some(smtp) => {
                let mailer =
                    Mailer::new(smtp, &settings.public_url).map_err(|e| SettingError::new("STORE_SMTP_HOST", e))?;
                jobs::spawn_mail_delivery(db.clone(), mailer);
            }
            None if settings.production => {
                tracing::warn!(
                    "no STORE_SMTP_HOST: mails (order confirmations, account links) wait in the outbox unsent"
                );
            }
            None => {}
        }
        let rate_limits = RateLimits::new(settings.limits.per_minute, settings.limits.per_account_hour);
        let forget = rate_limits.clone();
        jobs::supervise("rate limit memory", std::time::Duration::from_secs(60), move || {
            let limits = forget.clone();
            async move { limits.forget_idle() }
        });
        let state =
            AppState { leptos_options, db, settings: Arc::new(settings), catalog, page_cache, payments, rate_limits };
        Ok(Application { listener, state })
    }

    /// `http://127.0.0.1:3000`, or the public URL when one is configured.
    pub fn url(&self) -> &str {
        &self.state.settings.public_url
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), SettingError> {
        let limits = self.state.settings.limits;
        let router = build_router(self.state);
        serve::serve(self.listener, router, limits, shutdown).await.map_err(|e| SettingError::new("STORE_ADDRESS", e))
    }
}

async fn seed_demo_catalog(db: &sea_orm::DatabaseConnection) -> Result<(), SettingError> {
    let report = seed::seed(db, seed::SeedOptions::default()).await.map_err(|e| SettingError::new("seed", e))?;
    if report.created {
        tracing::info!(products = report.products, variants = report.variants, elapsed = ?report.elapsed, "seeded the demo catalog");
    }
    Ok(())
}

/// Leptos' own settings (site root, output name, reload port) come from the LEPTOS_* variables that
/// cargo-leptos sets; the address is the store's.
fn leptos_options(settings: &Settings) -> Result<LeptosOptions, SettingError> {
    let conf = leptos::config::get_configuration(None).map_err(|e| SettingError::new("LEPTOS_*", e))?;
    let mut options = conf.leptos_options;
    options.site_addr = settings.address;
    options.site_root = settings.site_root.display().to_string().into();
    if options.output_name.is_empty() {
        options.output_name = "storefront".into();
    }
    // cargo-leptos writes the asset hashes next to the binary; use them whenever they are there.
    let hash_file = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(&*options.hash_file)));
    options.hash_files = hash_file.is_some_and(|path| path.exists());
    Ok(options)
}

/// The app's routes, worked out once per process. `generate_route_list` runs the whole app with a
/// process-global flag set (leptos_server's `SuppressResourceLoad`), and a resource that first polls
/// while that flag is up waits forever (leptos-rs/leptos#4773): a page rendered by one app while
/// another app in the same process built its router hung. Generating once, before any router exists,
/// means no request can ever overlap it (the integration tests build many apps in one process).
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn build_router(state: AppState) -> Router {
    let routes = route_list();
    let options = state.leptos_options.clone();
    let static_files = ServeDir::new(&*options.site_root)
        .precompressed_br()
        .precompressed_gzip()
        .call_fallback_on_method_not_allowed(true)
        .fallback(not_found.with_state(state.clone()));
    let static_files =
        Router::new().fallback_service(static_files).layer(axum::middleware::from_fn(http::static_cache_headers));

    // The pages, each with its shopper's cart read before it renders.
    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, context_provider(&state), move || shell(options.clone()))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), cart_session::with_page_cart))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), account_session::with_page_account));

    let mut router = Router::new();
    if state.settings.bench_ceiling_bytes > 0 {
        router = router.route("/bench/ceiling", get(http::bench_ceiling));
    }
    if state.settings.payments.sandbox && !state.settings.production {
        router = router.merge(sandbox::routes());
    }
    router
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(metrics::scrape))
        .route("/images/{shape}/{colour}/{view}", get(images::product_image))
        .route("/media/{name}", get(images::uploaded))
        .route("/sitemap.xml", get(seo::sitemap))
        .route("/sitemaps/{name}", get(seo::sitemap_file))
        .route("/robots.txt", get(seo::robots))
        .route(
            "/webhooks/payments",
            axum::routing::post(webhooks::payments)
                .layer(axum::extract::DefaultBodyLimit::max(webhooks::MAX_EVENT_BYTES)),
        )
        .merge(admin::routes(&state))
        .merge(pages)
        .fallback_service(static_files)
        .layer(axum::middleware::from_fn_with_state(state.clone(), page_cache::page_cache))
        .layer(axum::middleware::from_fn_with_state(state.clone(), http::server_functions))
        .layer(axum::middleware::from_fn_with_state(state.clone(), rate_limit::rate_limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), http::cross_origin_protection))
        .layer(axum::middleware::from_fn_with_state(state.clone(), http::security_headers))
        .layer(CompressionLayer::new())
        // A request still running after the limit gets 503 (its work is dropped; transactions roll back).
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, state.settings.limits.request_timeout))
        .layer(CatchPanicLayer::custom(|_| AppError::Internal.into_response()))
        .layer(axum::middleware::from_fn(metrics::track_requests))
        .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span))
        .layer(axum::middleware::from_fn_with_state(state.clone(), telemetry::request_id))
        .with_state(state)
}

fn context_provider(state: &AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    let state = state.clone();
    move || provide_context(state.clone())
}

/// No route and no file: the app's 404 page, with status 404.
pub(crate) async fn not_found(State(state): State<AppState>, mut request: Request) -> Response {
    let cart = cart_session::page_cart(&state, request.headers()).await;
    request.extensions_mut().insert(cart_session::PageCart(cart));
    let account = account_session::page_account(&state, request.headers()).await;
    request.extensions_mut().insert(account_session::PageAccount(account));
    let options = state.leptos_options.clone();
    let render =
        leptos_axum::render_app_to_stream_with_context(context_provider(&state), move || shell(options.clone()));
    let mut response = render(request).await.into_response();
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}
