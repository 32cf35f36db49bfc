//! axe-core in the page: the accessibility rules a shopper's assistive technology depends on, checked
//! on every page the browser tests visit with JavaScript. `./dev.sh setup` installs axe-core from npm.

use playwright_rs::Page;

/// One rule axe-core found broken, with the elements that break it.
#[derive(Debug, serde::Deserialize)]
pub struct Violation {
    pub id: String,
    pub impact: Option<String>,
    pub help: String,
    pub nodes: Vec<String>,
}

const RUN: &str = "async () => (await axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }))";

/// axe-core's rules (WCAG 2.2 A and AA, and its best practices) on the page as it is now.
pub async fn violations(page: &Page) -> Vec<Violation> {
    let path = std::env::var("STOREFRONT_AXE_JS")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/.axe/node_modules/axe-core/axe.min.js").to_owned());
    let source =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("axe-core at {path} ({e}): run ./dev.sh setup"));
    // Evaluated by the browser's debugging protocol, which the page's Content-Security-Policy does not govern.
    page.evaluate_expression(&source).await.expect("axe-core loads");
    // axe-core schedules its work with timers, which never fire in a page without JavaScript: the run
    // would wait forever. Audit in a session with JavaScript (the markup is the same server-rendered one).
    tokio::time::timeout(AXE_LIMIT, page.evaluate(RUN, None::<&()>))
        .await
        .unwrap_or_else(|_| panic!("axe-core did not finish within {} s (is JavaScript off?)", AXE_LIMIT.as_secs()))
        .expect("axe-core runs")
}

/// The longest one axe-core run may take (about a second on 2 cores).
const AXE_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Fails the test with every violation axe-core finds on the page.
pub async fn assert_accessible(page: &Page) {
    let found = violations(page).await;
    assert!(found.is_empty(), "axe-core on {}: {found:#?}", page.url());
}
