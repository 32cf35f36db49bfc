//! Every server function (enumerated from the registry, so new ones are covered), the webhook endpoint
//! and the payment sandbox's page get generated bodies over HTTP through the real router on SQLite:
//! random field names and types, numbers out of range, unicode, empty, missing and repeated fields,
//! JSON, raw bytes, bodies past the 64 KB limit and up to 1 MB, with and without a cart, as a script and
//! as a browser without JavaScript. Nothing may answer 5xx (a panic answers 500), and afterwards every
//! variant's stock still equals the sum of its ledger.
//!
//! 10,000 cases in the suite, about 11 s in a debug build on this machine's 2 cores (about 526 per endpoint);
//! `FUZZ_CASES=190000` (about 10,000 per endpoint) took 117 s. See BENCHMARKS.md.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use storefront::server::seed::SeedOptions;
use storefront::server::services::inventory;

use crate::helpers::spawn_app_with;
use crate::orders::{scalar, some_variant};

/// Field names the store's forms use, and some it does not.
const FIELDS: &[&str] = &[
    "sku",
    "quantity",
    "variant",
    "token",
    "code",
    "email",
    "name",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "method",
    "idempotency_key",
    "expected_total",
    "q",
    "__page",
    "number",
    "expiry",
    "cvc",
    "id",
    "type",
];

#[derive(Debug, Clone)]
enum Body {
    Form(Vec<(String, String)>),
    Json(String),
    Raw(Vec<u8>, &'static str),
}

#[derive(Debug, Clone)]
struct Case {
    target: usize,
    body: Body,
    /// A body this many bytes long instead (past the limit), when set.
    huge: Option<usize>,
    with_cart: bool,
    browser: bool,
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        "[0-9]{1,30}",
        "-?[0-9]{1,3}\\.[0-9]{1,3}",
        ".{0,40}",
        "\\PC{0,300}",
        prop::sample::select(vec!["true", "null", "[]", "{}", "0", "-1", "4242424242424242", "€€", "<script>"])
            .prop_map(str::to_owned),
        (60_000usize..70_000).prop_map(|n| "a".repeat(n)),
    ]
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![4 => prop::sample::select(FIELDS).prop_map(str::to_owned), 1 => "[a-z_\\[\\]]{1,12}", 1 => "\\PC{0,8}"]
}

fn json() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        value().prop_map(|v| serde_json::Value::String(v).to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        Just("null".to_owned()),
        Just("[1,2,3]".to_owned()),
    ];
    prop_oneof![
        prop::collection::vec((field(), scalar), 0..6).prop_map(|pairs| {
            let inner: Vec<String> =
                pairs.iter().map(|(k, v)| format!("{}:{v}", serde_json::Value::String(k.clone()))).collect();
            format!("{{{}}}", inner.join(","))
        }),
        "\\PC{0,100}",
    ]
}

fn case(targets: usize) -> impl Strategy<Value = Case> {
    let body = prop_oneof![
        8 => prop::collection::vec((field(), value()), 0..10).prop_map(Body::Form),
        2 => json().prop_map(Body::Json),
        1 => (prop::collection::vec(any::<u8>(), 0..500), prop::sample::select(vec!["text/plain", "multipart/form-data; boundary=x", "application/cbor", ""]))
            .prop_map(|(bytes, kind)| Body::Raw(bytes, kind)),
    ];
    let huge = prop_oneof![99 => Just(None), 1 => (65_537usize..1_048_577).prop_map(Some)];
    (0..targets, body, huge, any::<bool>(), any::<bool>()).prop_map(|(target, body, huge, with_cart, browser)| Case {
        target,
        body,
        huge,
        with_cart,
        browser,
    })
}

async fn send(app: &crate::helpers::TestApp, path: &str, case: &Case, cart: &str) -> reqwest::StatusCode {
    let mut request = app.client.post(app.url(path));
    request = match (&case.huge, &case.body) {
        (Some(size), _) => request.header("content-type", "application/x-www-form-urlencoded").body("a".repeat(*size)),
        (None, Body::Form(pairs)) => request.form(pairs),
        (None, Body::Json(text)) => request.header("content-type", "application/json").body(text.clone()),
        (None, Body::Raw(bytes, kind)) => {
            let request = request.body(bytes.clone());
            if kind.is_empty() { request } else { request.header("content-type", *kind) }
        }
    };
    if case.with_cart {
        request = request.header("cookie", cart);
    }
    if case.browser {
        request = request.header("accept", "text/html,application/xhtml+xml");
    }
    match request.send().await {
        Ok(response) => response.status(),
        Err(err) => panic!("{path}: no answer ({err}) to {case:?}"),
    }
}

#[tokio::test]
async fn generated_bodies_never_get_a_5xx_and_leave_stock_equal_to_its_ledger() {
    let cases: usize = std::env::var("FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let app = spawn_app_with(None, &[("STORE_RATE_LIMIT_PER_MINUTE", "1000000")]).await;
    app.seed(SeedOptions { products: 10, seed: 4 }).await;
    let (_, sku) = some_variant(&app.db, 0).await;
    inventory::set_stock(&app.db, &sku, 50, "test").await.unwrap();
    let added = app.add_to_new_cart(&sku, 1).await;
    assert_eq!(added.status(), 200);
    let cart = added.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();

    let mut targets: Vec<String> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()).collect();
    targets.sort();
    targets.dedup();
    assert!(targets.len() >= 10, "the registry lists the server functions: {targets:?}");
    targets.push("/webhooks/payments".into());
    targets.push("/sandbox/stripe/pay/cs_test_unknown".into());

    let started = std::time::Instant::now();
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let strategy = case(targets.len());
    let generated: Vec<Case> = (0..cases).map(|_| strategy.new_tree(&mut runner).expect("a case").current()).collect();
    let mut failures = Vec::new();
    for chunk in generated.chunks(8) {
        let answers =
            futures::future::join_all(chunk.iter().map(|case| send(&app, &targets[case.target], case, &cart))).await;
        for (case, status) in chunk.iter().zip(answers) {
            if status.is_server_error() {
                failures.push(format!("{status} from {}: {case:?}", targets[case.target]));
            }
        }
    }
    let elapsed = started.elapsed();
    eprintln!("fuzz: {cases} bodies to {} endpoints in {elapsed:?}", targets.len());
    assert!(
        failures.is_empty(),
        "{} answers ≥ 500, first: {}",
        failures.len(),
        failures[0].chars().take(2000).collect::<String>()
    );

    let drift = "SELECT CAST(COUNT(*) AS BIGINT) FROM variants v WHERE v.stock <> \
                 (SELECT COALESCE(SUM(l.delta), 0) FROM inventory_ledger l WHERE l.variant_id = v.id)";
    assert_eq!(scalar(&app.db, drift).await, 0, "stock equals its ledger for every variant");
}
