//! `spawn_app`: the real router on port 0 with a fresh database, on SQLite or PostgreSQL.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use storefront::server::config::Settings;
use storefront::server::seed::{SeedOptions, SeedReport, seed};
use storefront::server::services::read_model::{ReadModel, Snapshot};
use storefront::server::startup::Application;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    /// The app's in-memory catalog: tests that change the database reload it (the app polls the change
    /// feed too, but a test should not wait for it).
    pub catalog: ReadModel,
    pub client: reqwest::Client,
    pub site_root: std::path::PathBuf,
    /// The running app's state (settings, payments).
    pub state: storefront::server::state::AppState,
    _data_dir: tempfile::TempDir,
}

impl TestApp {
    /// Seeds the catalog and reloads the app's copy of it.
    pub async fn seed(&self, options: SeedOptions) -> SeedReport {
        let report = seed(&self.db, options).await.expect("seed");
        self.catalog.reload(&self.db).await.expect("reload the catalog");
        report
    }

    /// The current snapshot of the app's catalog.
    pub fn snapshot(&self) -> std::sync::Arc<Snapshot> {
        self.catalog.snapshot()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET failed")
    }

    /// "Add to cart" posted without a cart cookie (a script's post: the answer sets the cart cookie).
    pub async fn add_to_new_cart(&self, sku: &str, quantity: u32) -> reqwest::Response {
        let form = [("sku", sku.to_owned()), ("quantity", quantity.to_string())];
        self.client.post(self.url("/api/cart/add")).form(&form).send().await.expect("POST failed")
    }

    /// Status and body of a page.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }
}

/// The longest any one integration test may take (the slowest takes a few seconds).
const TEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(180);

/// Runs `test` against a fresh app on `backend`, then drops the test database whatever happened.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => match TestDatabase::create().await {
            Some(db) => Some(db),
            None => {
                eprintln!("skipped: PostgreSQL is not reachable (set TEST_DATABASE_URL)");
                return;
            }
        },
    };
    let app = spawn_app(database.as_ref().map(|d| d.url.clone())).await;
    // A hung test fails with its name instead of stalling the whole suite.
    let result = match tokio::time::timeout(TEST_TIMEOUT, AssertUnwindSafe(test(app)).catch_unwind()).await {
        Ok(result) => result,
        Err(_) => {
            Err(Box::new(format!("timed out after {TEST_TIMEOUT:?} on {backend:?}")) as Box<dyn std::any::Any + Send>)
        }
    };
    if let Some(database) = database {
        database.drop().await;
    }
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// Settings for a test app: a free port, a temporary data directory, the given database, development
/// mode; `overrides` (name, value) replace or add variables.
pub fn test_settings(
    data_dir: &std::path::Path,
    database_url: Option<String>,
    site_root: &std::path::Path,
    overrides: &[(&str, &str)],
) -> Settings {
    let data_dir = data_dir.display().to_string();
    let site_root = site_root.display().to_string();
    let overrides: Vec<(String, String)> = overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Settings::from_sources(move |name| {
        if let Some((_, value)) = overrides.iter().find(|(k, _)| k == name) {
            return Some(value.clone());
        }
        match name {
            "STORE_ADDRESS" => Some("127.0.0.1:0".into()),
            "STORE_DATA_DIR" => Some(data_dir.clone()),
            "DATABASE_URL" => database_url.clone(),
            "LEPTOS_SITE_ROOT" => Some(site_root.clone()),
            "STORE_SEED_DEMO" => Some("false".into()),
            "STORE_ENV" => Some("development".into()),
            // The tests run expiry, the sweeper and cleanup by hand: the app's own rounds would race them.
            "STORE_HOUSEKEEPING" => Some("false".into()),
            _ => None,
        }
    })
    .expect("test settings are valid")
}

async fn spawn_app(database_url: Option<String>) -> TestApp {
    spawn_app_with(database_url, &[]).await
}

/// A test app on SQLite (or the given database) with some settings changed (see [`test_settings`]).
pub async fn spawn_app_with(database_url: Option<String>, overrides: &[(&str, &str)]) -> TestApp {
    let data_dir = tempfile::tempdir().expect("tempdir");
    let site_root = data_dir.path().join("site");
    std::fs::create_dir_all(&site_root).expect("site dir");
    let settings = test_settings(data_dir.path(), database_url, &site_root, overrides);
    let app = Application::build(settings).await.expect("the app starts");
    // The bound address: the public URL may be another (a production test's https://shop.example.com).
    let address = format!("http://{}", app.state().settings.address);
    let db = app.state().db.clone();
    let catalog = app.state().catalog.clone();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    TestApp {
        address,
        db,
        catalog,
        // A request that hangs fails with its URL after a minute instead of stalling the test.
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .expect("client"),
        site_root,
        state,
        _data_dir: data_dir,
    }
}

/// A uuid-named PostgreSQL database, created for one test and dropped after it.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn create() -> Option<Self> {
        let admin_url = postgres_admin_url()?;
        let admin = Database::connect(&admin_url).await.expect("connect to PostgreSQL");
        let name = format!("storefront_test_{}", uuid::Uuid::new_v4().simple());
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
        admin.close().await.ok();
        let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin_url);
        let url = format!("{base}/{name}");
        Some(TestDatabase { admin_url, name, url })
    }

    pub async fn drop(self) {
        if let Ok(admin) = Database::connect(&self.admin_url).await {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)).await;
            admin.close().await.ok();
        }
    }
}

/// TEST_DATABASE_URL, or the local server at 127.0.0.1:5432 when it answers. CI must have one.
pub fn postgres_admin_url() -> Option<String> {
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        return Some(url);
    }
    let local = std::net::TcpStream::connect_timeout(
        &"127.0.0.1:5432".parse().expect("address"),
        std::time::Duration::from_millis(300),
    );
    if local.is_ok() {
        return Some("postgres://postgres@127.0.0.1:5432/postgres".into());
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "PostgreSQL is required in CI: set TEST_DATABASE_URL or run it at 127.0.0.1:5432"
    );
    None
}

/// The value of the form field `name` in a page (`<input … name="…" value="…">`, attributes in any
/// order), with the HTML entities Leptos writes decoded.
pub fn form_value(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\"");
    let at = html.find(&needle)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let value = tag.split("value=\"").nth(1)?.split('"').next()?;
    Some(value.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
}

/// Writes each test twice: once on SQLite, once on PostgreSQL.
#[macro_export]
macro_rules! backend_tests {
    ($(async fn $name:ident($app:ident: TestApp) $body:block)*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    $crate::helpers::run($crate::helpers::Backend::Sqlite, |$app: $crate::helpers::TestApp| async move {
                        // Move the whole app in: precise capture would take only the fields the body uses
                        // and drop the rest (its temporary directory) before the body runs.
                        let $app = $app;
                        $body
                    }).await
                }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    $crate::helpers::run($crate::helpers::Backend::Postgres, |$app: $crate::helpers::TestApp| async move {
                        // Move the whole app in: precise capture would take only the fields the body uses
                        // and drop the rest (its temporary directory) before the body runs.
                        let $app = $app;
                        $body
                    }).await
                }
            )*
        }
    };
}
