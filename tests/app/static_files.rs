use crate::backend_tests;

const HASHED: &str = "/pkg/storefront.AbCdEfGhIjKlMnOpQrStUv.wasm";

fn write(app: &crate::helpers::TestApp, path: &str, bytes: &[u8]) {
    let file = app.site_root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, bytes).unwrap();
}

backend_tests! {
    async fn hashed_build_output_is_cached_for_a_year(app: TestApp) {
        write(&app, HASHED, b"\0asm");
        let response = app.get(HASHED).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable");
        assert_eq!(response.headers()["content-type"], "application/wasm");
    }

    async fn other_files_are_cached_briefly(app: TestApp) {
        write(&app, "/favicon.svg", b"<svg/>");
        let response = app.get("/favicon.svg").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "public, max-age=3600");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    }

    async fn precompressed_brotli_is_served_when_accepted(app: TestApp) {
        write(&app, HASHED, b"\0asm plain");
        write(&app, &format!("{HASHED}.br"), b"brotli bytes");
        let response = app.client.get(app.url(HASHED)).header("accept-encoding", "br").send().await.unwrap();
        assert_eq!(response.headers()["content-encoding"], "br");
        assert_eq!(response.bytes().await.unwrap().as_ref(), b"brotli bytes");
    }

    async fn pages_are_compressed_on_the_fly(app: TestApp) {
        let response = app.client.get(app.url("/")).header("accept-encoding", "gzip").send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-encoding"], "gzip");
    }

    async fn a_missing_file_is_the_404_page(app: TestApp) {
        let (status, html) = app.page("/pkg/missing.wasm").await;
        assert_eq!(status, 404);
        assert!(html.contains("find that page"));
    }
}
