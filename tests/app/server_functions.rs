//! Every server function, tried from outside as an attacker or a privacy-minded browser would: bad input
//! gets a 4xx with a message (never 500) and changes nothing; a form without JavaScript and without a
//! Referer still goes back to its page; a production start serves no development endpoint.

use storefront::server::seed::SeedOptions;
use storefront::server::services::payments;

use crate::backend_tests;
use crate::helpers::spawn_app_with;
use crate::orders::{scalar, some_variant};

/// The error a server function answered with, as the browser's code decodes it.
fn decoded(body: &str) -> storefront::error::AppError {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not an AppError ({e}): {body}"))
}

/// Posts `body` with `Transfer-Encoding: chunked` (no length known in advance) over a raw connection;
/// the response's status line and headers.
async fn chunked_post(address: &str, path: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/x-www-form-urlencoded\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(8192) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if stream.write_all(&framed).await.is_err() {
            break; // the server answered and closed before reading it all
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).lines().take_while(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
}

backend_tests! {
    async fn malformed_server_function_input_gets_a_4xx_with_a_field_message_and_changes_nothing(app: TestApp) {
        app.seed(SeedOptions { products: 4, seed: 2 }).await;
        let (_, sku) = some_variant(&app.db, 0).await;
        let post = |body: String| {
            app.client
                .post(app.url("/api/cart/add"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
        };
        let cases = [
            (format!("sku={sku}&quantity=abc"), "request"),
            (format!("sku={sku}&quantity=1.5"), "request"),
            (format!("sku={sku}&quantity=3000000000"), "request"),
            (format!("sku={sku}&quantity=-1"), "quantity"),
            (format!("sku={sku}"), "quantity"),
            ("quantity=1".to_owned(), "sku"),
            (format!("sku[a][b]={sku}&quantity=1"), "request"),
            (format!("sku={sku}&quantity=1&quantity=2"), "request"),
            ("%ff%fe=%00".to_owned(), "sku"),
        ];
        for (body, field) in &cases {
            let response = post(body.clone()).await.unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            assert!((400..500).contains(&status), "{body}: {status} {text}");
            let error = decoded(&text);
            assert!(error.field(field).is_some_and(|m| !m.is_empty()), "{body}: a message for {field}: {error:?}");
        }
        // A JSON body where a form is expected, and a body far over the limit (declared, then chunked).
        let json = app.client.post(app.url("/api/cart/add")).json(&serde_json::json!({ "sku": sku })).send().await.unwrap();
        assert_eq!(json.status(), 422);
        let huge = format!("sku={sku}&quantity=1&pad={}", "x".repeat(100 * 1024));
        let declared = post(huge.clone()).await.unwrap();
        assert_eq!(declared.status(), 413);
        assert_eq!(decoded(&declared.text().await.unwrap()), storefront::error::AppError::TooLarge);
        let chunked = chunked_post(&app.address, "/api/cart/add", huge.as_bytes()).await;
        assert!(chunked.starts_with("HTTP/1.1 413"), "{chunked}");
        assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM carts").await, 0, "nothing was created");
        // The service's own refusals keep their status too.
        let unknown = post("sku=NOPE&quantity=1".into()).await.unwrap();
        assert_eq!(unknown.status(), 422);
        let missing_order = app.client.post(app.url("/api/order")).form(&[("token", "nope")]).send().await.unwrap();
        assert_eq!(missing_order.status(), 404);
        // And the same function still answers good input.
        let added = post(format!("sku={sku}&quantity=1")).await.unwrap();
        assert_eq!(added.status(), 200);
    }

    async fn a_form_posted_without_javascript_or_referer_goes_back_to_its_page(app: TestApp) {
        app.seed(SeedOptions { products: 4, seed: 2 }).await;
        let (_, sku) = some_variant(&app.db, 0).await;
        let form_post = |fields: Vec<(&'static str, String)>, referer: Option<String>| {
            let mut request = app.client.post(app.url("/api/cart/add")).header("accept", "text/html").form(&fields);
            if let Some(referer) = referer {
                request = request.header("referer", referer);
            }
            request.send()
        };
        let location = |response: &reqwest::Response| {
            assert_eq!(response.status(), 302, "a redirect back, never raw JSON");
            response.headers()["location"].to_str().unwrap().to_owned()
        };
        let page = "/p/some-product?variant=X";
        // Refused, no Referer: back to the page the form names, with the error for its form to show.
        let refused = form_post(vec![("sku", "NOPE".into()), ("quantity", "1".into()), ("__page", page.into())], None).await.unwrap();
        let back = location(&refused);
        assert!(back.starts_with(&app.url("/p/some-product?variant=X&__path=")), "{back}");
        assert!(back.contains("&__err="), "{back}");
        // A page named elsewhere is never followed.
        let elsewhere = form_post(vec![("sku", "NOPE".into()), ("quantity", "1".into()), ("__page", "//evil.example/x".into())], None).await.unwrap();
        assert!(location(&elsewhere).starts_with(&app.url("/?__path=")), "home, with the error");
        // Added, no Referer: back to the page, no error in it.
        let added = form_post(vec![("sku", sku.clone()), ("quantity", "1".into()), ("__page", format!("{page}&__err=old"))], None).await.unwrap();
        assert_eq!(location(&added), app.url(page));
        // With a Referer, that is where it goes (as before).
        let referred = form_post(vec![("sku", "NOPE".into()), ("quantity", "1".into())], Some(app.url("/cart"))).await.unwrap();
        assert!(location(&referred).starts_with(&app.url("/cart?__path=")));
        // With a Referer that still holds an earlier refusal, the form's own page wins: one refusal in the
        // address (they do not pile up), on the origin the browser used.
        let origin = app.url("").trim_end_matches('/').replace("127.0.0.1", "localhost");
        let again = vec![("sku", "NOPE".into()), ("quantity", "1".into()), ("__page", page.into())];
        let refused_again = form_post(again, Some(format!("{origin}{page}&__path=/api/cart/add&__err=old"))).await.unwrap();
        let back = location(&refused_again);
        assert!(back.starts_with(&format!("{origin}{page}&__path=")), "{back}");
        assert_eq!(back.matches("__err=").count(), 1, "{back}");
    }

    async fn pages_about_one_shopper_are_never_stored_by_a_cache(app: TestApp) {
        for path in ["/cart", "/checkout", "/checkout/review", "/orders/nope", "/dev/mailbox"] {
            let response = app.get(path).await;
            assert_eq!(response.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
        }
        let api = app.client.post(app.url("/api/cart")).send().await.unwrap();
        assert_eq!(api.headers()["cache-control"], "no-store");
        for path in ["/", "/products"] {
            assert_eq!(app.get(path).await.headers().get("cache-control"), None, "{path}");
        }
        assert_eq!(app.get("/").await.headers().get("strict-transport-security"), None, "not over http");
    }
}

/// No STORE_ENV means production: none of the development endpoints answer, and the sandbox's public
/// webhook secret signs nothing.
#[tokio::test]
async fn a_production_store_serves_no_development_endpoint() {
    let app = spawn_app_with(
        None,
        &[
            ("STORE_ENV", ""),
            ("STORE_PUBLIC_URL", "https://shop.example.com"),
            ("STORE_PAYMENTS_API_BASE", "https://127.0.0.1:9"),
            ("STORE_PAYMENTS_SECRET_KEY", "sk_test_production_test"),
            ("STORE_PAYMENTS_WEBHOOK_SECRET", "whsec_production_test"),
            ("STORE_SEED_DEMO", ""),
            // Production runs its own housekeeping (it cannot be turned off there).
            ("STORE_HOUSEKEEPING", ""),
        ],
    )
    .await;
    assert!(app.state.settings.production && !app.state.settings.seed_demo);
    assert_eq!(scalar(&app.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM products").await, 0, "no demo catalog");
    let mailbox = app.client.post(app.url("/api/dev/mailbox")).send().await.unwrap();
    assert_eq!(mailbox.status(), 404);
    assert_eq!(app.get("/dev/mailbox").await.status(), 404);
    let sandbox =
        app.client.post(app.url("/sandbox/stripe/v1/payment_intents")).form(&[("amount", "100")]).send().await.unwrap();
    assert_eq!(sandbox.status(), 404);
    let event = r#"{"id":"evt_forged","type":"payment_intent.succeeded","data":{"object":{"id":"pi_x","metadata":{"order":"1"}}}}"#;
    let forged = payments::sign("whsec_sandbox_development", chrono::Utc::now().timestamp(), event.as_bytes());
    let webhook = app
        .client
        .post(app.url("/webhooks/payments"))
        .header("stripe-signature", forged)
        .body(event)
        .send()
        .await
        .unwrap();
    assert_eq!(webhook.status(), 400, "the sandbox's public secret signs nothing in production");

    // Over https: HSTS, and the cart cookie is __Host- prefixed and Secure (a plain `cart` is not read).
    assert_eq!(app.get("/").await.headers()["strict-transport-security"], "max-age=63072000; includeSubDomains");
    app.seed(SeedOptions { products: 2, seed: 1 }).await;
    let (_, sku) = some_variant(&app.db, 0).await;
    let added = app.add_to_new_cart(&sku, 1).await;
    assert_eq!(added.status(), 200);
    let cookie = added.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("__Host-cart=") && cookie.contains("; Path=/;") && cookie.ends_with("; Secure"),
        "{cookie}"
    );
    let token = cookie.trim_start_matches("__Host-cart=").split(';').next().unwrap().to_owned();
    let lines = |cookie: String| async {
        let cart = app.client.post(app.url("/api/cart")).header("cookie", cookie).send().await.unwrap();
        let cart: serde_json::Value = cart.json().await.unwrap();
        cart["lines"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(lines(format!("__Host-cart={token}")).await, 1);
    assert_eq!(lines(format!("cart={token}")).await, 0, "a cookie any subdomain could set is not the cart");
}
