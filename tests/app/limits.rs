//! The limits a real server has: rate limits per client (429 + Retry-After), a header-read timeout, a
//! per-request timeout, PostgreSQL's statement_timeout, and pruning under a job lease.

use storefront::server::seed::SeedOptions;
use storefront::server::services::{inventory, leases, prune};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::backend_tests;
use crate::helpers::spawn_app_with;
use crate::orders::{order_one, scalar, some_variant};

/// A payment provider that accepts connections and never answers: its address.
async fn silent_provider() -> String {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    base
}

async fn guess_promo(app: &crate::helpers::TestApp, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.post(app.url("/api/checkout/promo")).form(&[("code", "GUESS")]);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn promo_guesses_are_rate_limited_per_client_with_a_retry_after() {
    let app = spawn_app_with(None, &[("STORE_RATE_LIMIT_PER_MINUTE", "3")]).await;
    for _ in 0..3 {
        assert_ne!(guess_promo(&app, &[]).await.status(), 429);
    }
    let refused = guess_promo(&app, &[]).await;
    assert_eq!(refused.status(), 429);
    let retry: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=61).contains(&retry), "{retry}");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().starts_with("Too many requests"), "{body}");
    // A header nobody configured changes nothing: the spoofed address is the same client.
    assert_eq!(guess_promo(&app, &[("x-forwarded-for", "198.51.100.1")]).await.status(), 429);
    // A browser without JavaScript reads the sentence.
    let page = guess_promo(&app, &[("accept", "text/html")]).await;
    assert_eq!(page.status(), 429);
    assert!(page.text().await.unwrap().starts_with("Too many requests"));
    // Other actions keep their own quota (an unknown order: 404, not 429).
    let pay = app.client.post(app.url("/api/order/pay")).form(&[("token", "0".repeat(32))]).send().await.unwrap();
    assert_eq!(pay.status(), 404);
}

#[tokio::test]
async fn behind_a_configured_proxy_each_forwarded_client_has_its_own_quota() {
    let overrides = [("STORE_RATE_LIMIT_PER_MINUTE", "1"), ("STORE_CLIENT_IP_HEADER", "X-Forwarded-For")];
    let app = spawn_app_with(None, &overrides).await;
    let first = [("x-forwarded-for", "203.0.113.50, 198.51.100.1")];
    assert_ne!(guess_promo(&app, &first).await.status(), 429);
    assert_eq!(guess_promo(&app, &first).await.status(), 429);
    // The proxy appends the real client last: what comes before it is the client's own claim.
    assert_eq!(guess_promo(&app, &[("x-forwarded-for", "203.0.113.99, 198.51.100.1")]).await.status(), 429);
    assert_ne!(guess_promo(&app, &[("x-forwarded-for", "198.51.100.2")]).await.status(), 429);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = spawn_app_with(None, &[("STORE_HEADER_READ_SECS", "1")]).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: shop\r\nX-Slow: ").await.unwrap();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server closed the connection");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    let text = String::from_utf8_lossy(&answer);
    assert!(answer.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
    // The server still serves everyone else.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn a_request_still_running_after_the_limit_gets_503() {
    let base = silent_provider().await;
    let overrides = [
        ("STORE_REQUEST_TIMEOUT_SECS", "1"),
        ("STORE_PAYMENTS_API_BASE", base.as_str()),
        ("STORE_PAYMENTS_SECRET_KEY", "sk_test_silent"),
        ("STORE_PAYMENTS_WEBHOOK_SECRET", "whsec_silent"),
    ];
    let app = spawn_app_with(None, &overrides).await;
    app.seed(SeedOptions { products: 5, seed: 4 }).await;
    let (_, sku) = some_variant(&app.db, 0).await;
    inventory::set_stock(&app.db, &sku, 2, "test").await.unwrap();
    let placed = order_one(&app.db, &sku, "slow-provider").await;
    let started = std::time::Instant::now();
    let pay =
        app.client.post(app.url("/api/order/pay")).form(&[("token", placed.token.as_str())]).send().await.unwrap();
    assert_eq!(pay.status(), 503);
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    let status = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE id = {} AND status = 'pending_payment'",
        placed.order_id
    );
    assert_eq!(scalar(&app.db, &status).await, 1, "nothing changed");
}

backend_tests! {
    async fn postgres_cancels_statements_past_the_timeout(app: TestApp) {
        use sea_orm::ConnectionTrait;
        if app.db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return;
        }
        let row = app.db.query_one_raw(sea_orm::Statement::from_string(sea_orm::DatabaseBackend::Postgres, "SHOW statement_timeout")).await.unwrap().unwrap();
        assert_eq!(row.try_get_by_index::<String>(0).unwrap(), storefront::server::db::STATEMENT_TIMEOUT);
    }

    async fn old_keys_events_and_mails_are_pruned_by_one_node_at_a_time(app: TestApp) {
        use sea_orm::ConnectionTrait;
        // Two days on: the app's own hourly prune (at the real now, with its own lease) can neither
        // delete these rows nor hold the lease then.
        let now = chrono::Utc::now() + chrono::Duration::days(2);
        let old = (now - chrono::Duration::days(8)).to_rfc3339();
        let ancient = (now - chrono::Duration::days(31)).to_rfc3339();
        let fresh = now.to_rfc3339();
        let backend = app.db.get_database_backend();
        let run = |sql: String| {
            let db = app.db.clone();
            async move { db.execute_raw(sea_orm::Statement::from_string(backend, sql)).await.unwrap() }
        };
        for (key, at) in [("old-key", &old), ("fresh-key", &fresh)] {
            run(format!("INSERT INTO idempotency_keys (\"key\", fingerprint, state, created_at, updated_at) VALUES ('{key}', 'f', 'done', '{at}', '{at}')")).await;
        }
        for (id, at) in [("evt_old", &old), ("evt_fresh", &fresh)] {
            run(format!("INSERT INTO webhook_events (id, event_type, outcome, received_at) VALUES ('{id}', 't', '', '{at}')")).await;
        }
        for (subject, sent) in [("sent long ago", Some(&ancient)), ("sent lately", Some(&old)), ("unsent", None)] {
            let sent = sent.map(|at| format!("'{at}'")).unwrap_or("NULL".into());
            run(format!("INSERT INTO mail_outbox (to_address, subject, body, kind, created_at, sent_at) VALUES ('a@b.co', '{subject}', '', 'k', '{ancient}', {sent})")).await;
        }

        // Another node holds the lease: this one does nothing.
        assert!(leases::acquire(&app.db, "prune", "node-b", chrono::Duration::minutes(10), now).await.unwrap());
        assert_eq!(prune::prune(&app.db, "node-a", now).await.unwrap(), None);
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM idempotency_keys").await, 2);
        // Its lease runs out (it died): this node takes over.
        let later = now + chrono::Duration::minutes(11);
        let pruned = prune::prune(&app.db, "node-a", later).await.unwrap().expect("the lease was free");
        assert_eq!((pruned.idempotency_keys, pruned.webhook_events, pruned.mails), (1, 1, 1));
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM idempotency_keys WHERE \"key\" = 'fresh-key'").await, 1);
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_events WHERE id = 'evt_fresh'").await, 1);
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM mail_outbox").await, 2, "unsent and recent mails stay");
        // The lease was given back: the next run goes ahead at once.
        assert!(prune::prune(&app.db, "node-b", later).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn connections_over_the_cap_wait_their_turn() {
    let app = spawn_app_with(None, &[("STORE_MAX_CONNECTIONS", "2")]).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    // Two idle connections take both places.
    let held = [
        tokio::net::TcpStream::connect(&address).await.unwrap(),
        tokio::net::TcpStream::connect(&address).await.unwrap(),
    ];
    let waiting =
        tokio::time::timeout(std::time::Duration::from_secs(1), app.client.get(app.url("/healthz")).send()).await;
    assert!(waiting.is_err(), "a third connection is not served while two are open");
    drop(held);
    let served =
        tokio::time::timeout(std::time::Duration::from_secs(5), app.client.get(app.url("/healthz")).send()).await;
    assert_eq!(served.expect("served once a place is free").unwrap().status(), 200);
}

#[tokio::test]
async fn shutdown_waits_for_requests_in_flight_no_longer_than_the_grace() {
    // A request that would run for 30 s (a provider that never answers) is in flight at shutdown.
    let base = silent_provider().await;
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    let overrides = [
        ("STORE_SHUTDOWN_GRACE_SECS", "1"),
        ("STORE_PAYMENTS_API_BASE", base.as_str()),
        ("STORE_PAYMENTS_SECRET_KEY", "sk_test_silent"),
        ("STORE_PAYMENTS_WEBHOOK_SECRET", "whsec_silent"),
    ];
    let settings = crate::helpers::test_settings(dir.path(), None, &site, &overrides);
    let app = storefront::server::startup::Application::build(settings).await.unwrap();
    let (url, db) = (format!("http://{}", app.state().settings.address), app.state().db.clone());
    let catalog = app.state().catalog.clone();
    storefront::server::seed::seed(&db, SeedOptions { products: 5, seed: 4 }).await.unwrap();
    catalog.reload(&db).await.unwrap();
    let (_, sku) = some_variant(&db, 0).await;
    inventory::set_stock(&db, &sku, 2, "test").await.unwrap();
    let placed = order_one(&db, &sku, "at-shutdown").await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let in_flight = tokio::spawn(client.post(format!("{url}/api/order/pay")).form(&[("token", placed.token)]).send());
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let started = std::time::Instant::now();
    stop.send(()).unwrap();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), server).await;
    assert!(ended.is_ok(), "the server stopped");
    let took = started.elapsed();
    assert!(took >= std::time::Duration::from_millis(900) && took < std::time::Duration::from_secs(4), "{took:?}");
    in_flight.abort();
}
