use storefront::server::seed::SeedOptions;

use crate::backend_tests;

backend_tests! {
    async fn the_home_page_is_rendered_on_the_server(app: TestApp) {
        let (status, html) = app.page("/").await;
        assert_eq!(status, 200);
        assert!(html.starts_with("<!DOCTYPE html>"), "{html:.200}");
        assert!(html.contains("<header class=\"site-header\""), "no header");
        assert!(html.contains("<main id=\"main\""), "no main");
        assert!(html.contains("<footer class=\"site-footer\""), "no footer");
        assert!(html.contains("Made for every day outdoors</h1>"), "no h1");
        assert!(html.contains("Kestrel Supply"), "no store name");
        assert!(html.contains("<title>Home · Kestrel Supply</title>"), "no title");
        assert_eq!(html.matches("<h1").count(), 1, "one h1 per page");
    }

    async fn the_page_loads_the_hydration_script(app: TestApp) {
        let (_, html) = app.page("/").await;
        assert!(html.contains("type=\"module\""), "no module script");
        assert!(html.contains("hydrate"), "no call to hydrate()");
    }

    async fn an_unknown_page_is_a_404_with_the_not_found_page(app: TestApp) {
        app.seed(SeedOptions { products: 4, seed: 1 }).await;
        let (status, html) = app.page("/no/such/page").await;
        assert_eq!(status, 404);
        assert!(html.contains("find that page</h1>"), "{html}");
        assert!(html.contains("role=\"search\""), "the 404 page offers search");
        let categories = &html[html.find("not-found__categories").expect("the store's categories")..];
        let snapshot = app.snapshot();
        let category = snapshot.top_categories().next().expect("a category");
        assert!(categories.contains(&format!(r#"href="/c/{}""#, category.slug)), "{categories}");
        assert!(html.contains("<header class=\"site-header\""), "the 404 page keeps the shell");
    }

    async fn the_shell_server_function_answers(app: TestApp) {
        let response = app.client.post(app.url("/api/shell")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["store_name"], "Kestrel Supply");
    }
}

/// Regression: building a router (another app in the same process, as these tests do) while a page
/// renders used to leave that page waiting forever (leptos-rs/leptos#4773; see `startup::route_list`).
#[tokio::test]
async fn pages_render_while_other_routers_are_built() {
    crate::helpers::run(crate::helpers::Backend::Sqlite, |app| async move {
        let app = app;
        let state = app.state.clone();
        let builder = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                for _ in 0..150 {
                    drop(storefront::server::startup::build_router(state.clone()));
                }
            })
        });
        // A cart cookie: every request is rendered (not served from the page cache).
        let cookie = format!("cart={}", "0".repeat(32));
        for _ in 0..150 {
            let request = app.client.get(app.url("/products")).header("cookie", &cookie);
            let response = tokio::time::timeout(std::time::Duration::from_secs(20), request.send())
                .await
                .expect("the page rendered (it hung while a router was being built)")
                .unwrap();
            assert_eq!(response.status(), 200);
            if builder.is_finished() {
                break;
            }
        }
        builder.join().unwrap();
    })
    .await
}
