//! Typed settings, loaded once at start: defaults < Leptos.toml < environment variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A bad setting: names the setting and says what is wrong, in one line.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {cause}")]
pub struct SettingError {
    pub setting: String,
    pub cause: String,
}

impl SettingError {
    pub fn new(setting: impl Into<String>, cause: impl std::fmt::Display) -> Self {
        SettingError { setting: setting.into(), cause: cause.to_string() }
    }
}

/// A value that must never be printed (database passwords, API keys).
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub store_name: String,
    pub address: SocketAddr,
    /// Without a trailing slash, e.g. `https://shop.example.com`. Empty until the listener is bound when
    /// the configured value is empty (see [`Settings::with_bound_address`]).
    pub public_url: String,
    pub database_url: Secret,
    pub data_dir: PathBuf,
    /// The built site (WASM, JS, CSS, public files). cargo-leptos sets LEPTOS_SITE_ROOT.
    pub site_root: PathBuf,
    /// Build the demo catalog at start when the database has no products.
    pub seed_demo: bool,
    /// How often each node polls the catalog change feed to refresh its in-memory read model.
    pub catalog_refresh: std::time::Duration,
    /// Benchmarks only: serve this many fixed bytes at /bench/ceiling (0: no such route).
    pub bench_ceiling_bytes: usize,
    /// The most units of one item a cart line may hold.
    pub cart_max_quantity: i32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct File {
    store: StoreSection,
    catalog: CatalogSection,
    checkout: CheckoutSection,
    server: ServerSection,
    database: DatabaseSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct StoreSection {
    name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct CatalogSection {
    seed_demo: Option<bool>,
    refresh_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct CheckoutSection {
    max_quantity: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ServerSection {
    address: Option<String>,
    public_url: Option<String>,
    site_root: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct DatabaseSection {
    url: Option<Secret>,
    data_dir: Option<String>,
}

impl Settings {
    /// Reads `STORE_CONFIG` (default `Leptos.toml`, optional) and the environment.
    pub fn load() -> Result<Self, SettingError> {
        Self::from_sources(|name| std::env::var(name).ok())
    }

    /// Same as [`Settings::load`] with the environment given as a function (for tests).
    pub fn from_sources(env: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let file = match env("STORE_CONFIG") {
            Some(path) => read_file(Path::new(&path), "STORE_CONFIG")?,
            None if Path::new("Leptos.toml").exists() => read_file(Path::new("Leptos.toml"), "Leptos.toml")?,
            None => File::default(),
        };
        let pick = |var: &str, from_file: Option<String>| env(var).or(from_file.filter(|v| !v.is_empty()));

        let store_name = pick("STORE_NAME", file.store.name).unwrap_or_else(|| "Kestrel Supply".into());
        let address_text = pick("STORE_ADDRESS", file.server.address).unwrap_or_else(|| "127.0.0.1:3000".into());
        let address = address_text.parse::<SocketAddr>().map_err(|e| {
            SettingError::new("STORE_ADDRESS", format!("'{address_text}' is not a host:port address ({e})"))
        })?;
        let public_url = match pick("STORE_PUBLIC_URL", file.server.public_url) {
            Some(url) => parse_public_url(&url)?,
            None => String::new(),
        };
        let data_dir = PathBuf::from(pick("STORE_DATA_DIR", file.database.data_dir).unwrap_or_else(|| "data".into()));
        let database_url = match env("DATABASE_URL").map(Secret::new).or(file.database.url.filter(|u| !u.0.is_empty()))
        {
            Some(url) => {
                check_database_url(url.expose())?;
                url
            }
            None => Secret::new(format!("sqlite://{}?mode=rwc", data_dir.join("store.db").display())),
        };
        let site_root =
            PathBuf::from(pick("LEPTOS_SITE_ROOT", file.server.site_root).unwrap_or_else(|| "target/site".into()));
        let seed_demo = match env("STORE_SEED_DEMO") {
            Some(value) => parse_bool("STORE_SEED_DEMO", &value)?,
            None => file.catalog.seed_demo.unwrap_or(true),
        };
        let refresh_ms = match env("STORE_CATALOG_REFRESH_MS") {
            Some(value) => parse_number("STORE_CATALOG_REFRESH_MS", &value, 10..=3_600_000)?,
            None => file.catalog.refresh_ms.unwrap_or(1_000),
        };
        let bench_ceiling_bytes = match env("STORE_BENCH_CEILING_BYTES") {
            Some(value) => parse_number("STORE_BENCH_CEILING_BYTES", &value, 1..=10_000_000)? as usize,
            None => 0,
        };
        let cart_max_quantity = match env("STORE_CART_MAX_QUANTITY") {
            Some(value) => parse_number("STORE_CART_MAX_QUANTITY", &value, 1..=999)?,
            None => file.checkout.max_quantity.unwrap_or(99).clamp(1, 999),
        } as i32;
        Ok(Settings {
            store_name,
            address,
            public_url,
            database_url,
            data_dir,
            site_root,
            seed_demo,
            catalog_refresh: std::time::Duration::from_millis(refresh_ms),
            bench_ceiling_bytes,
            cart_max_quantity,
        })
    }

    /// Fills in the public URL from the address actually bound (port 0 becomes the real port).
    pub fn with_bound_address(mut self, bound: SocketAddr) -> Self {
        self.address = bound;
        if self.public_url.is_empty() {
            self.public_url = format!("http://{bound}");
        }
        self
    }

    pub fn cart_rules(&self) -> crate::server::services::cart::CartRules {
        crate::server::services::cart::CartRules { max_quantity: self.cart_max_quantity }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose().starts_with("sqlite:")
    }

    /// The database URL with any password replaced, fit for logs and error messages.
    pub fn database_url_for_display(&self) -> String {
        redact_password(self.database_url.expose())
    }
}

fn read_file(path: &Path, setting: &str) -> Result<File, SettingError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SettingError::new(setting, format!("cannot read {}: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| {
        let detail = e.message().to_owned();
        SettingError::new(setting, format!("{} is not valid: {detail}", path.display()))
    })
}

fn parse_bool(setting: &str, value: &str) -> Result<bool, SettingError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(SettingError::new(setting, format!("'{value}' is not true or false"))),
    }
}

fn parse_number(setting: &str, value: &str, range: std::ops::RangeInclusive<u64>) -> Result<u64, SettingError> {
    match value.trim().parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(SettingError::new(
            setting,
            format!("'{value}' is not a whole number from {} to {}", range.start(), range.end()),
        )),
    }
}

fn parse_public_url(url: &str) -> Result<String, SettingError> {
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed.strip_prefix("https://").or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains('/') => Ok(trimmed.to_owned()),
        _ => Err(SettingError::new(
            "STORE_PUBLIC_URL",
            format!("'{url}' must look like https://shop.example.com (scheme and host, no path)"),
        )),
    }
}

fn check_database_url(url: &str) -> Result<(), SettingError> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", ""));
    let ok = match scheme {
        "sqlite" => !rest.is_empty() || url.starts_with("sqlite::memory:"),
        "postgres" | "postgresql" => !rest.is_empty(),
        _ => url.starts_with("sqlite::memory:"),
    };
    if ok {
        Ok(())
    } else {
        Err(SettingError::new(
            "DATABASE_URL",
            format!(
                "'{}' is not a database URL (expected sqlite://path/to/file.db or postgres://user@host/db)",
                redact_password(url)
            ),
        ))
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((credentials, host)) = rest.split_once('@') else { return url.to_owned() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = dir.path().join("empty.toml");
        std::fs::write(&empty, "").expect("write");
        let config = empty.display().to_string();
        Settings::from_sources(move |name| match name {
            "STORE_CONFIG" => map.get(name).cloned().or_else(|| Some(config.clone())),
            _ => map.get(name).cloned(),
        })
    }

    #[test]
    fn defaults_use_an_embedded_sqlite_file_in_the_data_dir() {
        let s = settings(&[]).expect("defaults are valid");
        assert_eq!(s.address.to_string(), "127.0.0.1:3000");
        assert!(s.is_sqlite());
        assert_eq!(s.database_url.expose(), "sqlite://data/store.db?mode=rwc");
    }

    #[test]
    fn environment_overrides_the_file() {
        let s = settings(&[("STORE_ADDRESS", "0.0.0.0:8080"), ("STORE_DATA_DIR", "/var/lib/shop")]).expect("valid");
        assert_eq!(s.address.port(), 8080);
        assert_eq!(s.database_url.expose(), "sqlite:///var/lib/shop/store.db?mode=rwc");
    }

    #[test]
    fn a_bad_database_url_names_the_setting_and_hides_the_password() {
        let err = settings(&[("DATABASE_URL", "mysql://root:hunter2@db/x")]).expect_err("refused");
        let line = err.to_string();
        assert!(line.starts_with("DATABASE_URL: "), "{line}");
        assert!(!line.contains("hunter2"), "{line}");
    }

    #[test]
    fn a_bad_address_names_the_setting() {
        let err = settings(&[("STORE_ADDRESS", "localhost")]).expect_err("refused");
        assert!(err.to_string().starts_with("STORE_ADDRESS: "), "{err}");
    }

    #[test]
    fn public_url_must_be_scheme_and_host() {
        assert!(settings(&[("STORE_PUBLIC_URL", "shop.example.com")]).is_err());
        let s = settings(&[("STORE_PUBLIC_URL", "https://shop.example.com/")]).expect("valid");
        assert_eq!(s.public_url, "https://shop.example.com");
    }

    #[test]
    fn public_url_defaults_to_the_bound_address() {
        let s = settings(&[("STORE_ADDRESS", "127.0.0.1:0")]).expect("valid");
        let s = s.with_bound_address("127.0.0.1:4321".parse().expect("addr"));
        assert_eq!(s.public_url, "http://127.0.0.1:4321");
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("Leptos.toml");
        std::fs::write(&path, "[server]\nadress = \"x\"\n").expect("write");
        let path = path.display().to_string();
        let err = Settings::from_sources(|n| (n == "STORE_CONFIG").then(|| path.clone())).expect_err("refused");
        assert!(err.to_string().starts_with("STORE_CONFIG: "), "{err}");
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact_password("postgres://u:p@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_password("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
