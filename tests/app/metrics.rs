//! Metrics and request ids: `/metrics` only with the configured bearer token (a 404 without one); after a
//! checkout over HTTP, an out-of-stock refusal and a forged webhook, the exposition counts them by route
//! pattern, reason and outcome, and passes `promtool check metrics`; every response carries a request id,
//! a client's own only when the proxy is trusted.

use crate::fixtures::ProductBuilder;
use crate::helpers::spawn_app_with;
use crate::shopper::Shopper;

const TOKEN: &str = "metrics-token-for-the-tests";

/// The value of the sample `name{labels}` (labels as written in the exposition, in its order), if any.
fn sample(exposition: &str, series: &str) -> Option<f64> {
    exposition.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

/// Every sample of `name` whose labels contain all of `labels` (`key="value"`), summed.
fn total(exposition: &str, name: &str, labels: &[&str]) -> f64 {
    exposition
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let rest = series.strip_prefix(name)?;
            (rest.is_empty() || rest.starts_with('{')).then_some(())?;
            labels.iter().all(|l| rest.contains(l)).then(|| value.parse::<f64>().ok())?
        })
        .sum()
}

/// promtool from PATH or `PROMTOOL` (`./dev.sh` puts Debian's there); required in CI.
fn promtool() -> Option<std::path::PathBuf> {
    let candidate = std::env::var_os("PROMTOOL").map(std::path::PathBuf::from).unwrap_or_else(|| "promtool".into());
    let found = std::process::Command::new(&candidate).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found && std::env::var("CI").as_deref() == Ok("true") {
        panic!("promtool is required in CI (./dev.sh setup installs it)");
    }
    found.then_some(candidate)
}

#[tokio::test]
async fn metrics_need_the_token_and_count_checkouts_refusals_and_forged_webhooks() {
    let app = spawn_app_with(None, &[("STORE_METRICS_TOKEN", TOKEN)]).await;
    let scrape = |token: Option<&str>| {
        let mut request = app.client.get(app.url("/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(scrape(None).await.unwrap().status(), 401);
    assert_eq!(scrape(Some("metrics-token-for-the-test")).await.unwrap().status(), 401, "a wrong token");

    let built = ProductBuilder::new("Metric Mug").variant("METRIC-MUG", 1500).stock(1).insert(&app.db).await;
    app.catalog.refresh_if_changed(&app.db).await.unwrap();
    // A second buyer's cart holds the last unit too; the first buyer checks out over HTTP.
    let late = crate::orders::cart_with(&app.db, "METRIC-MUG", 1).await;
    let buyer = Shopper::new(&app);
    assert_eq!(buyer.page(&format!("/p/{}", built.slug)).await.0, 200);
    buyer.check_out("METRIC-MUG", "buyer@example.com").await;
    let refused = storefront::server::services::orders::place_order(
        &app.db,
        late,
        &crate::orders::checkout("metrics-late"),
        &crate::orders::rules(),
    )
    .await;
    assert!(refused.is_err());
    let forged =
        app.client.post(app.url("/webhooks/payments")).header("stripe-signature", "t=1,v1=00").body("{}").send();
    assert_eq!(forged.await.unwrap().status(), 400);

    let response = scrape(Some(TOKEN)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    assert!(total(&text, "storefront_orders_placed_total", &[]) >= 1.0, "{text}");
    assert!(total(&text, "storefront_orders_refused_total", &["reason=\"out_of_stock\""]) >= 1.0);
    assert!(total(&text, "storefront_oversells_prevented_total", &[]) >= 1.0);
    assert!(total(&text, "storefront_webhook_verification_failures_total", &[]) >= 1.0);
    let product_page = ["method=\"GET\"", "route=\"/p/{slug}\"", "status=\"200\""];
    assert!(total(&text, "storefront_http_requests_total", &product_page) >= 1.0, "by route pattern, not path");
    assert!(!text.contains("metric-mug"), "no raw paths in labels");
    assert!(total(&text, "storefront_http_request_duration_seconds_count", &product_page) >= 1.0);
    assert!(text.contains("storefront_http_request_duration_seconds_bucket{"), "a histogram");
    assert!(
        total(&text, "storefront_server_function_calls_total", &["function=\"checkout/place\"", "outcome=\"ok\""])
            >= 1.0
    );
    assert!(sample(&text, "storefront_db_pool_connections_open").is_some_and(|open| open >= 1.0));
    assert!(sample(&text, "storefront_outbox_backlog").is_some(), "the order's mail waits (no SMTP here)");
    assert!(text.contains("# HELP storefront_orders_refused_total"), "described");

    if let Some(promtool) = promtool() {
        use std::io::Write;
        let mut check = std::process::Command::new(promtool)
            .args(["check", "metrics"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("promtool runs");
        check.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        let out = check.wait_with_output().unwrap();
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "promtool check metrics: {said}");
        assert!(!said.contains("error"), "{said}");
    } else {
        eprintln!("promtool not found: the exposition's format was not checked (set PROMTOOL)");
    }

    // Every answer names its request; the client's own id is not taken from an untrusted client.
    let answer = app.client.get(app.url("/healthz")).header("x-request-id", "from-the-client").send().await.unwrap();
    let id = answer.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 32, "{id}");
    assert_ne!(id, "from-the-client");
}

#[tokio::test]
async fn without_a_token_there_are_no_metrics_and_a_trusted_proxys_request_id_is_kept() {
    let app = spawn_app_with(None, &[("STORE_TRUST_REQUEST_ID", "true")]).await;
    let (status, _) = Shopper::new(&app).page("/metrics").await;
    assert_eq!(status, 404, "no token configured: no metrics");
    let with = |id: &'static str| app.client.get(app.url("/healthz")).header("x-request-id", id).send();
    let kept = with("edge-7f3a.19").await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "edge-7f3a.19");
    let odd = with("not an id <script>").await.unwrap();
    assert_ne!(odd.headers()["x-request-id"], "not an id <script>", "an id that is not one is replaced");
    let a = app.client.get(app.url("/healthz")).send().await.unwrap().headers()["x-request-id"].clone();
    let b = app.client.get(app.url("/healthz")).send().await.unwrap().headers()["x-request-id"].clone();
    assert_ne!(a, b, "one id per request");
    let short = storefront::server::config::Settings::from_sources(|name| match name {
        "STORE_METRICS_TOKEN" => Some("short".to_owned()),
        "STORE_ENV" => Some("development".to_owned()),
        _ => None,
    });
    assert!(short.unwrap_err().to_string().contains("STORE_METRICS_TOKEN"), "a guessable token is refused");
}
