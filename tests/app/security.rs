use crate::backend_tests;

backend_tests! {
    async fn pages_carry_security_headers_and_a_nonce_policy(app: TestApp) {
        let response = app.get("/").await;
        let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(header("referrer-policy").as_deref(), Some("strict-origin-when-cross-origin"));
        let policy = header("content-security-policy").expect("a CSP header");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(policy.contains("'wasm-unsafe-eval'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce");
        let html = response.text().await.unwrap();
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the header's nonce");
    }

    async fn each_page_gets_a_new_nonce(app: TestApp) {
        let policy = |r: reqwest::Response| r.headers()["content-security-policy"].to_str().unwrap().to_owned();
        let first = policy(app.get("/").await);
        let second = policy(app.get("/").await);
        assert_ne!(first, second);
    }

    async fn cross_site_posts_are_refused(app: TestApp) {
        let response = app
            .client
            .post(app.url("/api/shell"))
            .header("sec-fetch-site", "cross-site")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403);
        let response = app
            .client
            .post(app.url("/api/shell"))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403);
    }

    async fn same_origin_and_server_to_server_posts_pass(app: TestApp) {
        let same_origin = app
            .client
            .post(app.url("/api/shell"))
            .header("sec-fetch-site", "same-origin")
            .header("origin", app.address.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(same_origin.status(), 200);
        let headerless = app.client.post(app.url("/api/shell")).send().await.unwrap();
        assert_eq!(headerless.status(), 200);
    }

    async fn cross_site_gets_still_work(app: TestApp) {
        let response = app.client.get(app.url("/")).header("sec-fetch-site", "cross-site").send().await.unwrap();
        assert_eq!(response.status(), 200);
    }
}
