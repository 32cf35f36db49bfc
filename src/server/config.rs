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
    /// Where uploaded product images are kept (`STORE_MEDIA_DIR`, default `<data dir>/media`). With several
    /// app nodes, a directory they all mount (the images are written once, read by every node).
    pub media_dir: PathBuf,
    /// The built site (WASM, JS, CSS, public files). cargo-leptos sets LEPTOS_SITE_ROOT.
    pub site_root: PathBuf,
    /// Build the demo catalog at start when the database has no products.
    pub seed_demo: bool,
    /// How often each node polls the catalog change feed to refresh its in-memory read model.
    pub catalog_refresh: std::time::Duration,
    /// Benchmarks only: serve this many fixed bytes at /bench/ceiling (0: no such route).
    pub bench_ceiling_bytes: usize,
    /// Hold expiry, the payment sweeper and cleanup run on this node. Only development may turn them off
    /// (`STORE_HOUSEKEEPING=false`: tests that run those jobs by hand, without the app's own racing them).
    pub housekeeping: bool,
    /// The most units of one item a cart line may hold.
    pub cart_max_quantity: i32,
    /// Every start is production unless the environment says `STORE_ENV=development` and the store
    /// listens on loopback only (see [`run_mode`]): no payment sandbox, no dev mailbox, no demo catalog,
    /// an https public URL and real payment settings.
    pub production: bool,
    pub checkout: std::sync::Arc<CheckoutRules>,
    pub payments: PaymentSettings,
    pub limits: Limits,
    /// Behind a reverse proxy: the request header that carries the client's address (e.g.
    /// `X-Forwarded-For`, whose last entry the proxy wrote). Never read unless configured.
    pub client_ip_header: Option<String>,
    pub sessions: SessionRules,
    /// Where the outbox's mails are sent (`STORE_SMTP_HOST`...). None: they wait in the outbox (and the
    /// development mailbox lists them).
    pub smtp: Option<SmtpSettings>,
    /// The bearer token Prometheus sends to `/metrics` (`STORE_METRICS_TOKEN`, 16 characters or more).
    /// None: `/metrics` is a 404.
    pub metrics_token: Option<Secret>,
    /// Behind a proxy that sets `X-Request-Id`: keep its id (`STORE_TRUST_REQUEST_ID=true`). Otherwise every
    /// request gets an id of its own, whatever the client sent.
    pub trust_request_id: bool,
}

/// The SMTP server the mail worker sends through.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Both or neither.
    pub credentials: Option<(String, Secret)>,
    /// The sender, e.g. `Kestrel Supply <orders@kestrel.example>` (`STORE_MAIL_FROM`).
    pub from: String,
    /// A mail is given up after this many failed tries (`STORE_MAIL_MAX_ATTEMPTS`, 8: about two hours).
    pub max_attempts: u32,
}

/// How the SMTP connection is protected: STARTTLS on a plain connection (port 587), TLS from the
/// first byte (465), or nothing (a relay on this machine only, in production).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    StartTls,
    Tls,
    None,
}

/// How long a signed-in session lasts: it ends after `idle` without a request, and after `absolute`
/// however active it is (`STORE_SESSION_IDLE_DAYS`, 7; `STORE_SESSION_MAX_DAYS`, 30).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRules {
    pub idle: std::time::Duration,
    pub absolute: std::time::Duration,
}

impl Default for SessionRules {
    fn default() -> Self {
        let days = |n: u64| std::time::Duration::from_secs(n * 24 * 60 * 60);
        SessionRules { idle: days(7), absolute: days(30) }
    }
}

/// What one server allows (each from a `STORE_*` variable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; more wait in the accept queue (`STORE_MAX_CONNECTIONS`, 1024).
    pub connections: usize,
    /// A client must send its request headers within this (`STORE_HEADER_READ_SECS`, 10).
    pub header_read: std::time::Duration,
    /// A request still running after this is answered 503 (`STORE_REQUEST_TIMEOUT_SECS`, 30).
    pub request_timeout: std::time::Duration,
    /// After the shutdown signal, requests in flight get this long (`STORE_SHUTDOWN_GRACE_SECS`, 20).
    pub shutdown_grace: std::time::Duration,
    /// Sensitive actions per client address and minute: payments, promo codes, new carts, orders
    /// (`STORE_RATE_LIMIT_PER_MINUTE`, 60; as many may come at once).
    pub per_minute: u32,
    /// Sign-in, reset and verification attempts per account and hour, whatever the client's address
    /// (`STORE_ACCOUNT_ATTEMPTS_PER_HOUR`, 20; as many may come at once, then one every few minutes).
    pub per_account_hour: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connections: 1024,
            header_read: std::time::Duration::from_secs(10),
            request_timeout: std::time::Duration::from_secs(30),
            shutdown_grace: std::time::Duration::from_secs(20),
            per_minute: 60,
            per_account_hour: 20,
        }
    }
}

/// How long a placed order holds its stock awaiting payment, unless configured.
pub const DEFAULT_HOLD_MINUTES: u64 = 15;

/// Shipping methods, tax rates and the payment hold ([checkout] in Leptos.toml).
#[derive(Debug, Clone)]
pub struct CheckoutRules {
    /// How long a placed order holds its stock while awaiting payment.
    pub hold: std::time::Duration,
    pub shipping: Vec<crate::server::services::pricing::ShippingRate>,
    /// Basis points (1/100 %) by "CC" or "CC-RR" (country, country-region); the region wins.
    pub tax: std::collections::BTreeMap<String, i64>,
}

impl Default for CheckoutRules {
    /// The built-in rules: a 15-minute hold, standard and express shipping, the default tax table.
    fn default() -> Self {
        CheckoutRules {
            hold: std::time::Duration::from_secs(DEFAULT_HOLD_MINUTES * 60),
            shipping: shipping_rates(None).unwrap_or_default(),
            tax: tax_rates(None).unwrap_or_default(),
        }
    }
}

impl CheckoutRules {
    /// The tax rate for an address: its region's if configured, else its country's, else 0.
    pub fn tax_basis_points(&self, country: &str, region: &str) -> i64 {
        self.tax.get(&format!("{country}-{region}")).or_else(|| self.tax.get(country)).copied().unwrap_or(0)
    }

    pub fn rate(&self, id: &str) -> Option<&crate::server::services::pricing::ShippingRate> {
        self.shipping.iter().find(|r| r.id == id)
    }
}

/// The payment provider: Stripe's API at `api_base`, or the built-in sandbox when that is empty.
#[derive(Debug, Clone)]
pub struct PaymentSettings {
    /// e.g. `https://api.stripe.com`; the sandbox's address (`<public URL>/sandbox/stripe`) when unset.
    pub api_base: String,
    pub secret_key: Secret,
    /// Signs webhooks (`whsec_…`).
    pub webhook_secret: Secret,
    /// Whether the built-in sandbox serves (and is the provider).
    pub sandbox: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct File {
    store: StoreSection,
    catalog: CatalogSection,
    checkout: CheckoutSection,
    payments: PaymentsSection,
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
    hold_minutes: Option<u64>,
    shipping: Option<Vec<ShippingSection>>,
    tax: Option<std::collections::BTreeMap<String, i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ShippingSection {
    id: String,
    name: String,
    /// A flat price (minor units)...
    price: Option<i64>,
    /// ...or [from subtotal, price] tiers.
    tiers: Option<Vec<(i64, i64)>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct PaymentsSection {
    api_base: Option<String>,
    secret_key: Option<Secret>,
    webhook_secret: Option<Secret>,
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
        let media_dir = env("STORE_MEDIA_DIR").map_or_else(|| data_dir.join("media"), PathBuf::from);
        let site_root =
            PathBuf::from(pick("LEPTOS_SITE_ROOT", file.server.site_root).unwrap_or_else(|| "target/site".into()));
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
            None => file.checkout.max_quantity.unwrap_or(crate::model::cart::MAX_LINE_QUANTITY as u64).clamp(1, 999),
        } as i32;
        let production = run_mode(env("STORE_ENV").as_deref(), address)? == RunMode::Production;
        if production && !public_url.starts_with("https://") {
            return Err(SettingError::new(
                "STORE_PUBLIC_URL",
                "required in production: the https address shoppers use, e.g. https://shop.example.com \
                 (to run the store on this machine, set STORE_ENV=development, as ./dev.sh does)",
            ));
        }
        let seed_demo = match env("STORE_SEED_DEMO") {
            Some(value) => parse_bool("STORE_SEED_DEMO", &value)?,
            None => !production && file.catalog.seed_demo.unwrap_or(true),
        };
        if seed_demo && production {
            return Err(SettingError::new("STORE_SEED_DEMO", "the demo catalog is never seeded in production"));
        }
        let hold_minutes = match env("STORE_CHECKOUT_HOLD_MINUTES") {
            Some(value) => parse_number("STORE_CHECKOUT_HOLD_MINUTES", &value, 1..=1440)?,
            None => file.checkout.hold_minutes.unwrap_or(DEFAULT_HOLD_MINUTES).clamp(1, 1440),
        };
        let checkout = CheckoutRules {
            hold: std::time::Duration::from_secs(hold_minutes * 60),
            shipping: shipping_rates(file.checkout.shipping)?,
            tax: tax_rates(file.checkout.tax)?,
        };
        let payments = payment_settings(file.payments, production, &env)?;
        let limits = limits(&env)?;
        let housekeeping = match env("STORE_HOUSEKEEPING") {
            Some(value) => parse_bool("STORE_HOUSEKEEPING", &value)?,
            None => true,
        };
        if !housekeeping && production {
            return Err(SettingError::new("STORE_HOUSEKEEPING", "always on in production (holds must expire)"));
        }
        let sessions = session_rules(&env)?;
        let client_ip_header = env("STORE_CLIENT_IP_HEADER").map(|h| h.trim().to_ascii_lowercase());
        if let Some(header) = &client_ip_header
            && axum::http::HeaderName::from_bytes(header.as_bytes()).is_err()
        {
            return Err(SettingError::new("STORE_CLIENT_IP_HEADER", format!("'{header}' is not a header name")));
        }
        let smtp = smtp_settings(&env, production)?;
        let metrics_token = env("STORE_METRICS_TOKEN").map(|t| t.trim().to_owned());
        if metrics_token.as_ref().is_some_and(|t| t.len() < 16 || !t.bytes().all(|b| b.is_ascii_graphic())) {
            return Err(SettingError::new("STORE_METRICS_TOKEN", "at least 16 characters, no spaces"));
        }
        let trust_request_id = match env("STORE_TRUST_REQUEST_ID") {
            Some(value) => parse_bool("STORE_TRUST_REQUEST_ID", &value)?,
            None => false,
        };
        Ok(Settings {
            store_name,
            address,
            public_url,
            database_url,
            data_dir,
            media_dir,
            site_root,
            seed_demo,
            catalog_refresh: std::time::Duration::from_millis(refresh_ms),
            bench_ceiling_bytes,
            housekeeping,
            cart_max_quantity,
            production,
            checkout: std::sync::Arc::new(checkout),
            payments,
            limits,
            client_ip_header,
            sessions,
            smtp,
            metrics_token: metrics_token.map(Secret::new),
            trust_request_id,
        })
    }

    /// Fills in the public URL from the address actually bound (port 0 becomes the real port).
    pub fn with_bound_address(mut self, bound: SocketAddr) -> Self {
        self.address = bound;
        if self.public_url.is_empty() {
            self.public_url = format!("http://{bound}");
        }
        if self.payments.sandbox {
            self.payments.api_base = format!("{}/sandbox/stripe", self.public_url);
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    Development,
    Production,
}

/// Development features (the payment sandbox and its public webhook secret, `/dev/mailbox`, the demo
/// catalog) must never be left on in a deployment by accident. So they are on only when the environment
/// asks for them (`STORE_ENV=development`; a config file cannot) and the store listens on a loopback
/// address, where no other machine reaches it. Any other start is production.
pub fn run_mode(store_env: Option<&str>, address: SocketAddr) -> Result<RunMode, SettingError> {
    match store_env.map(str::trim) {
        None | Some("production") => Ok(RunMode::Production),
        Some("development") if address.ip().is_loopback() => Ok(RunMode::Development),
        Some("development") => Err(SettingError::new(
            "STORE_ENV",
            format!(
                "development mode listens on a loopback address only (127.0.0.1 or ::1), not {address}: \
                 other machines could reach its payment sandbox and mailbox"
            ),
        )),
        Some(other) => Err(SettingError::new("STORE_ENV", format!("'{other}' is not development or production"))),
    }
}

fn shipping_rates(
    configured: Option<Vec<ShippingSection>>,
) -> Result<Vec<crate::server::services::pricing::ShippingRate>, SettingError> {
    use crate::server::services::pricing::{RateKind, ShippingRate};
    let Some(sections) = configured else {
        return Ok(vec![
            ShippingRate {
                id: "standard".into(),
                name: "Standard (3–5 business days), free from $75".into(),
                kind: RateKind::BySubtotal(vec![(0, 595), (7500, 0)]),
            },
            ShippingRate {
                id: "express".into(),
                name: "Express (1–2 business days)".into(),
                kind: RateKind::Flat(1995),
            },
        ]);
    };
    let bad = |why: String| SettingError::new("[checkout.shipping]", why);
    if sections.is_empty() {
        return Err(bad("at least one shipping method is needed".into()));
    }
    let mut rates: Vec<ShippingRate> = Vec::new();
    for section in sections {
        if section.id.trim().is_empty() || section.name.trim().is_empty() {
            return Err(bad("every method needs an id and a name".into()));
        }
        if rates.iter().any(|r| r.id == section.id) {
            return Err(bad(format!("the id '{}' is used twice", section.id)));
        }
        let kind = match (section.price, section.tiers) {
            (Some(price), None) if price >= 0 => RateKind::Flat(price),
            (None, Some(mut tiers)) if !tiers.is_empty() && tiers.iter().all(|(a, p)| *a >= 0 && *p >= 0) => {
                tiers.sort();
                RateKind::BySubtotal(tiers)
            }
            _ => {
                return Err(bad(format!(
                    "'{}' needs either price = <cents ≥ 0> or tiers = [[from_cents, price_cents], ...]",
                    section.id
                )));
            }
        };
        rates.push(ShippingRate { id: section.id, name: section.name, kind });
    }
    Ok(rates)
}

fn tax_rates(
    configured: Option<std::collections::BTreeMap<String, i64>>,
) -> Result<std::collections::BTreeMap<String, i64>, SettingError> {
    let Some(rates) = configured else {
        return Ok([
            ("US-CA", 725),
            ("US-NY", 400),
            ("US-TX", 625),
            ("US-WA", 650),
            ("CA", 500),
            ("GB", 2000),
            ("DE", 1900),
            ("FR", 2000),
            ("NL", 2100),
            ("AU", 1000),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect());
    };
    for (place, rate) in &rates {
        if !(0..=10_000).contains(rate) {
            return Err(SettingError::new("[checkout.tax]", format!("{place} = {rate}: basis points from 0 to 10000")));
        }
    }
    Ok(rates)
}

fn payment_settings(
    file: PaymentsSection,
    production: bool,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<PaymentSettings, SettingError> {
    let api_base =
        env("STORE_PAYMENTS_API_BASE").or(file.api_base).unwrap_or_default().trim().trim_end_matches('/').to_owned();
    let secret_key = env("STORE_PAYMENTS_SECRET_KEY").map(Secret::new).or(file.secret_key).filter(|s| !s.0.is_empty());
    let webhook_secret =
        env("STORE_PAYMENTS_WEBHOOK_SECRET").map(Secret::new).or(file.webhook_secret).filter(|s| !s.0.is_empty());
    if production {
        let missing = [
            ("STORE_PAYMENTS_API_BASE", api_base.is_empty()),
            ("STORE_PAYMENTS_SECRET_KEY", secret_key.is_none()),
            ("STORE_PAYMENTS_WEBHOOK_SECRET", webhook_secret.is_none()),
        ];
        if let Some((name, _)) = missing.into_iter().find(|(_, missing)| *missing) {
            return Err(SettingError::new(name, "required in production (the payment sandbox is for development)"));
        }
    }
    // A real provider needs real secrets in any mode: the sandbox's defaults are public.
    if !api_base.is_empty() {
        if secret_key.is_none() {
            return Err(SettingError::new("STORE_PAYMENTS_SECRET_KEY", "required when STORE_PAYMENTS_API_BASE is set"));
        }
        if webhook_secret.is_none() {
            return Err(SettingError::new(
                "STORE_PAYMENTS_WEBHOOK_SECRET",
                "required when STORE_PAYMENTS_API_BASE is set",
            ));
        }
    }
    if !api_base.is_empty() && parse_public_url(&api_base).is_err() {
        return Err(SettingError::new(
            "STORE_PAYMENTS_API_BASE",
            format!("'{api_base}' must look like https://api.stripe.com"),
        ));
    }
    Ok(PaymentSettings {
        sandbox: api_base.is_empty(),
        api_base,
        secret_key: secret_key.unwrap_or_else(|| Secret::new("sk_test_sandbox")),
        webhook_secret: webhook_secret.unwrap_or_else(|| Secret::new("whsec_sandbox_development")),
    })
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

fn limits(env: &impl Fn(&str) -> Option<String>) -> Result<Limits, SettingError> {
    let defaults = Limits::default();
    let number = |name: &str, range: std::ops::RangeInclusive<u64>, default: u64| match env(name) {
        Some(value) => parse_number(name, &value, range),
        None => Ok(default),
    };
    let secs = std::time::Duration::from_secs;
    Ok(Limits {
        connections: number("STORE_MAX_CONNECTIONS", 1..=1_000_000, defaults.connections as u64)? as usize,
        header_read: secs(number("STORE_HEADER_READ_SECS", 1..=600, defaults.header_read.as_secs())?),
        request_timeout: secs(number("STORE_REQUEST_TIMEOUT_SECS", 1..=3600, defaults.request_timeout.as_secs())?),
        shutdown_grace: secs(number("STORE_SHUTDOWN_GRACE_SECS", 0..=3600, defaults.shutdown_grace.as_secs())?),
        per_minute: number("STORE_RATE_LIMIT_PER_MINUTE", 1..=1_000_000, u64::from(defaults.per_minute))? as u32,
        per_account_hour: number(
            "STORE_ACCOUNT_ATTEMPTS_PER_HOUR",
            1..=1_000_000,
            u64::from(defaults.per_account_hour),
        )? as u32,
    })
}

fn session_rules(env: &impl Fn(&str) -> Option<String>) -> Result<SessionRules, SettingError> {
    let days = |name: &str, default: std::time::Duration| match env(name) {
        Some(value) => Ok(std::time::Duration::from_secs(parse_number(name, &value, 1..=365)? * 24 * 60 * 60)),
        None => Ok(default),
    };
    let defaults = SessionRules::default();
    let rules = SessionRules {
        idle: days("STORE_SESSION_IDLE_DAYS", defaults.idle)?,
        absolute: days("STORE_SESSION_MAX_DAYS", defaults.absolute)?,
    };
    if rules.idle > rules.absolute {
        return Err(SettingError::new("STORE_SESSION_IDLE_DAYS", "must not be longer than STORE_SESSION_MAX_DAYS"));
    }
    Ok(rules)
}

fn smtp_settings(
    env: &impl Fn(&str) -> Option<String>,
    production: bool,
) -> Result<Option<SmtpSettings>, SettingError> {
    let Some(host) = env("STORE_SMTP_HOST").map(|h| h.trim().to_owned()) else {
        for name in ["STORE_SMTP_PORT", "STORE_SMTP_SECURITY", "STORE_SMTP_USER", "STORE_SMTP_PASSWORD"] {
            if env(name).is_some() {
                return Err(SettingError::new(name, "has no effect without STORE_SMTP_HOST"));
            }
        }
        return Ok(None);
    };
    let security = match env("STORE_SMTP_SECURITY").map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None | Some("starttls") => SmtpSecurity::StartTls,
        Some("tls") => SmtpSecurity::Tls,
        Some("none") => SmtpSecurity::None,
        Some(other) => {
            return Err(SettingError::new("STORE_SMTP_SECURITY", format!("'{other}' is not starttls, tls or none")));
        }
    };
    let local = matches!(host.as_str(), "localhost" | "127.0.0.1" | "::1" | "[::1]");
    if security == SmtpSecurity::None && production && !local {
        return Err(SettingError::new(
            "STORE_SMTP_SECURITY",
            "none is for a relay on this machine only (localhost): use starttls or tls",
        ));
    }
    let default_port = match security {
        SmtpSecurity::StartTls => 587,
        SmtpSecurity::Tls => 465,
        SmtpSecurity::None => 25,
    };
    let port = match env("STORE_SMTP_PORT") {
        Some(value) => parse_number("STORE_SMTP_PORT", &value, 1..=65535)? as u16,
        None => default_port,
    };
    let credentials = match (env("STORE_SMTP_USER"), env("STORE_SMTP_PASSWORD")) {
        (Some(user), Some(password)) => Some((user.trim().to_owned(), Secret::new(password))),
        (None, None) => None,
        (Some(_), None) => return Err(SettingError::new("STORE_SMTP_PASSWORD", "required with STORE_SMTP_USER")),
        (None, Some(_)) => return Err(SettingError::new("STORE_SMTP_USER", "required with STORE_SMTP_PASSWORD")),
    };
    let from = env("STORE_MAIL_FROM").map(|f| f.trim().to_owned()).ok_or_else(|| {
        SettingError::new(
            "STORE_MAIL_FROM",
            "required with STORE_SMTP_HOST, e.g. Kestrel Supply <orders@kestrel.example>",
        )
    })?;
    if from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(SettingError::new(
            "STORE_MAIL_FROM",
            format!("'{from}' is not an address like Kestrel Supply <orders@kestrel.example>"),
        ));
    }
    let max_attempts = match env("STORE_MAIL_MAX_ATTEMPTS") {
        Some(value) => parse_number("STORE_MAIL_MAX_ATTEMPTS", &value, 1..=100)? as u32,
        None => 8,
    };
    Ok(Some(SmtpSettings { host, port, security, credentials, from, max_attempts }))
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

    /// Settings from these variables and an empty config file, in development unless `STORE_ENV` is given.
    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingError> {
        let development = [("STORE_ENV", "development")];
        let env_given = vars.iter().any(|(name, _)| *name == "STORE_ENV");
        settings_with_file("", &[vars, if env_given { &[] } else { &development[..] }].concat())
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
        let s = settings(&[("STORE_ADDRESS", "127.0.0.1:8080"), ("STORE_DATA_DIR", "/var/lib/shop")]).expect("valid");
        assert_eq!(s.address.port(), 8080);
        assert_eq!(s.database_url.expose(), "sqlite:///var/lib/shop/store.db?mode=rwc");
        assert_eq!(s.media_dir, PathBuf::from("/var/lib/shop/media"), "images beside the data by default");
        let s = settings(&[("STORE_MEDIA_DIR", "/mnt/shared/media")]).expect("valid");
        assert_eq!(s.media_dir, PathBuf::from("/mnt/shared/media"));
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

    const PRODUCTION: [(&str, &str); 5] = [
        ("STORE_ENV", "production"),
        ("STORE_PUBLIC_URL", "https://shop.example.com"),
        ("STORE_PAYMENTS_API_BASE", "https://api.stripe.com"),
        ("STORE_PAYMENTS_SECRET_KEY", "sk_live_x"),
        ("STORE_PAYMENTS_WEBHOOK_SECRET", "whsec_x"),
    ];

    /// Settings read straight from these variables and this config file, nothing defaulted.
    fn settings_with_file(file: &str, vars: &[(&str, &str)]) -> Result<Settings, SettingError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("Leptos.toml");
        std::fs::write(&path, file).expect("write");
        let mut map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        map.insert("STORE_CONFIG".into(), path.display().to_string());
        Settings::from_sources(move |name| map.get(name).cloned())
    }

    #[test]
    fn smtp_settings_are_all_or_nothing_and_plain_smtp_stays_on_this_machine_in_production() {
        assert!(settings(&[]).unwrap().smtp.is_none(), "no SMTP: mails wait in the outbox");
        let err = settings(&[("STORE_SMTP_PORT", "2525")]).expect_err("refused");
        assert!(err.to_string().starts_with("STORE_SMTP_PORT: has no effect"), "{err}");
        let err = settings(&[("STORE_SMTP_HOST", "smtp.example.com")]).expect_err("refused");
        assert!(err.to_string().starts_with("STORE_MAIL_FROM: required"), "{err}");
        let from = ("STORE_MAIL_FROM", "Kestrel Supply <orders@kestrel.example>");
        let smtp = settings(&[("STORE_SMTP_HOST", "smtp.example.com"), from]).unwrap().smtp.expect("SMTP");
        assert_eq!((smtp.port, smtp.security, smtp.max_attempts), (587, SmtpSecurity::StartTls, 8));
        assert!(smtp.credentials.is_none());
        let tls = [("STORE_SMTP_HOST", "smtp.example.com"), from, ("STORE_SMTP_SECURITY", "TLS")];
        assert_eq!(settings(&tls).unwrap().smtp.unwrap().port, 465);
        let err =
            settings(&[("STORE_SMTP_HOST", "smtp.example.com"), from, ("STORE_SMTP_USER", "shop")]).expect_err("x");
        assert!(err.to_string().starts_with("STORE_SMTP_PASSWORD: required"), "{err}");
        let err =
            settings(&[("STORE_SMTP_HOST", "smtp.example.com"), ("STORE_MAIL_FROM", "not an address")]).expect_err("x");
        assert!(err.to_string().starts_with("STORE_MAIL_FROM: "), "{err}");

        let plain = [("STORE_SMTP_HOST", "smtp.example.com"), from, ("STORE_SMTP_SECURITY", "none")];
        assert!(settings(&plain).is_ok(), "development may talk plain SMTP to a test server");
        let err = settings_with_file("", &[&PRODUCTION[..], &plain].concat()).expect_err("refused");
        assert!(err.to_string().starts_with("STORE_SMTP_SECURITY: none is for a relay on this machine"), "{err}");
        let relay = [("STORE_SMTP_HOST", "localhost"), from, ("STORE_SMTP_SECURITY", "none")];
        assert_eq!(settings_with_file("", &[&PRODUCTION[..], &relay].concat()).unwrap().smtp.unwrap().port, 25);
    }

    #[test]
    fn a_start_that_does_not_ask_for_development_is_production() {
        // No STORE_ENV: production, which needs the https address shoppers use.
        let err = settings_with_file("", &[]).expect_err("refused");
        assert!(err.to_string().starts_with("STORE_PUBLIC_URL: required in production"), "{err}");
        let err = settings_with_file("", &[("STORE_PUBLIC_URL", "http://shop.example.com")]).expect_err("refused");
        assert!(err.to_string().starts_with("STORE_PUBLIC_URL: "), "{err}");
        let s = settings_with_file("", &PRODUCTION[1..]).expect("valid");
        assert!(s.production && !s.payments.sandbox && s.housekeeping);
        // Holds always expire in production.
        let mut no_jobs = PRODUCTION[1..].to_vec();
        no_jobs.push(("STORE_HOUSEKEEPING", "false"));
        let err = settings_with_file("", &no_jobs).expect_err("refused");
        assert!(err.to_string().starts_with("STORE_HOUSEKEEPING: "), "{err}");
        // A config file cannot turn development on: the key is gone, and an old file saying so is refused.
        let err = settings_with_file("[store]\nenv = \"development\"\n", &PRODUCTION[1..]).expect_err("refused");
        assert!(err.to_string().starts_with("STORE_CONFIG: "), "{err}");
    }

    #[test]
    fn development_is_only_for_a_loopback_address() {
        for address in ["127.0.0.1:3000", "[::1]:3000"] {
            let s = settings_with_file("", &[("STORE_ENV", "development"), ("STORE_ADDRESS", address)]).expect(address);
            assert!(!s.production && s.payments.sandbox && s.seed_demo, "{address}");
        }
        for address in ["0.0.0.0:3000", "[::]:3000", "192.168.1.20:3000"] {
            let err =
                settings_with_file("", &[("STORE_ENV", "development"), ("STORE_ADDRESS", address)]).expect_err(address);
            assert!(err.to_string().starts_with("STORE_ENV: development mode listens on a loopback"), "{err}");
        }
    }

    #[test]
    fn production_never_seeds_the_demo_catalog() {
        let s = settings_with_file("[catalog]\nseed_demo = true\n", &PRODUCTION).expect("valid");
        assert!(!s.seed_demo, "the file's development default does not apply");
        let vars = [&PRODUCTION[..], &[("STORE_SEED_DEMO", "true")]].concat();
        let err = settings_with_file("", &vars).expect_err("refused");
        assert!(err.to_string().starts_with("STORE_SEED_DEMO: "), "{err}");
    }

    #[test]
    fn production_needs_real_payment_settings() {
        let err = settings(&PRODUCTION[..2]).expect_err("refused");
        assert!(err.to_string().starts_with("STORE_PAYMENTS_API_BASE: "), "{err}");
        let s = settings(&PRODUCTION).expect("valid");
        assert!(s.production && !s.payments.sandbox);
        assert!(settings(&[("STORE_ENV", "staging")]).is_err());
        // The sandbox's public default secret never signs a real provider's webhooks.
        let err =
            settings(&[("STORE_PAYMENTS_API_BASE", "https://api.stripe.com"), ("STORE_PAYMENTS_SECRET_KEY", "sk")])
                .expect_err("refused");
        assert!(err.to_string().starts_with("STORE_PAYMENTS_WEBHOOK_SECRET: "), "{err}");
    }

    #[test]
    fn development_pays_through_the_sandbox_at_the_public_url() {
        let s = settings(&[("STORE_ADDRESS", "127.0.0.1:0")]).expect("valid");
        let s = s.with_bound_address("127.0.0.1:4321".parse().expect("addr"));
        assert!(s.payments.sandbox);
        assert_eq!(s.payments.api_base, "http://127.0.0.1:4321/sandbox/stripe");
    }

    #[test]
    fn shipping_and_tax_come_from_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("Leptos.toml");
        let text = "[checkout]\nhold_minutes = 5\n[[checkout.shipping]]\nid = \"pickup\"\nname = \"Pick up\"\nprice = 0\n[checkout.tax]\nUS = 100\n\"US-CA\" = 725\n";
        std::fs::write(&path, text).expect("write");
        let path = path.display().to_string();
        let development = |n: &str| match n {
            "STORE_CONFIG" => Some(path.clone()),
            "STORE_ENV" => Some("development".to_owned()),
            _ => None,
        };
        let s = Settings::from_sources(development).expect("valid");
        assert_eq!(s.checkout.hold, std::time::Duration::from_secs(300));
        assert_eq!(s.checkout.shipping.len(), 1);
        assert_eq!(s.checkout.tax_basis_points("US", "CA"), 725);
        assert_eq!(s.checkout.tax_basis_points("US", "OR"), 100);
        assert_eq!(s.checkout.tax_basis_points("DE", ""), 0);
        std::fs::write(dir.path().join("Leptos.toml"), "[[checkout.shipping]]\nid = \"x\"\nname = \"X\"\n")
            .expect("write");
        assert!(Settings::from_sources(development).is_err(), "no price");
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact_password("postgres://u:p@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_password("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
