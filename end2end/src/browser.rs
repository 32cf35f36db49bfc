//! Debian's chromium through playwright-rs, with the flags this machine needs.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use playwright_rs::protocol::{Tracing, TracingStartOptions, TracingStopOptions};
use playwright_rs::{Browser, BrowserContextOptions, LaunchOptions, Page, Playwright};

pub struct Session {
    pub page: Page,
    pub browser: Browser,
    _playwright: Playwright,
    console_errors: Arc<Mutex<Vec<String>>>,
    /// Every console message, for the artifacts of a failed test.
    console_log: Arc<Mutex<Vec<String>>>,
    tracing: Option<Tracing>,
}

/// The longest a browser test's steps may take (the slowest takes about 20 s on 2 cores).
pub const STEPS_LIMIT: Duration = Duration::from_secs(180);
/// The longest each artifact of a failed test (screenshot, DOM, trace) may take to collect.
const ARTIFACT_LIMIT: Duration = Duration::from_secs(15);

pub struct Viewport {
    pub width: u32,
    pub height: u32,
}

pub const DESKTOP: Viewport = Viewport { width: 1280, height: 800 };
pub const PHONE: Viewport = Viewport { width: 390, height: 844 };

impl Session {
    /// Playwright gives every launch a fresh, temporary user data directory.
    pub async fn launch(viewport: Viewport, javascript: bool) -> Session {
        let playwright = Playwright::launch().await.expect("start the Playwright driver (./dev.sh setup installs it)");
        let executable = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let args = [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let browser = playwright
            .chromium()
            .launch_with_options(LaunchOptions::new().headless(true).executable_path(executable).args(args))
            .await
            .expect("launch chromium");
        let options = BrowserContextOptions::builder()
            .viewport(playwright_rs::Viewport { width: viewport.width, height: viewport.height })
            .javascript_enabled(javascript)
            .build();
        let context = browser.new_context_with_options(options).await.expect("browser context");
        // A Playwright trace (screenshots and DOM snapshots of every step), kept only when a test fails.
        let tracing = match context.tracing().await {
            Ok(tracing) => {
                let options = TracingStartOptions::default().screenshots(true).snapshots(true);
                tracing.start(Some(options)).await.ok().map(|()| tracing)
            }
            Err(_) => None,
        };
        let page = context.new_page().await.expect("new page");
        let console_errors = Arc::new(Mutex::new(Vec::new()));
        let console_log = Arc::new(Mutex::new(Vec::new()));
        let (errors, log) = (console_errors.clone(), console_log.clone());
        page.on_console(move |message| {
            let (errors, log) = (errors.clone(), log.clone());
            async move {
                log.lock().expect("lock").push(format!("[{}] {}", message.type_(), message.text()));
                if message.type_() == "error" && !is_expected_refusal(message.text()) {
                    errors.lock().expect("lock").push(message.text().to_owned());
                }
                Ok(())
            }
        })
        .await
        .expect("listen to the console");
        // Uncaught exceptions (a WASM panic ends in one: "unreachable") as well.
        let errors = console_errors.clone();
        page.on_pageerror(move |message| {
            let errors = errors.clone();
            async move {
                errors.lock().expect("lock").push(format!("uncaught: {message}"));
                Ok(())
            }
        })
        .await
        .expect("listen to page errors");
        Session { page, browser, _playwright: playwright, console_errors, console_log, tracing }
    }

    /// Runs a test's steps. When one fails, leaves what QA needs to see why under
    /// `target/e2e-artifacts/<test>/` — `screenshot.png`, `page.html` (the DOM as it was), `console.log`
    /// and a Playwright trace (`trace.zip`, open it with `npx playwright show-trace`) — names the folder,
    /// and fails with the original message.
    ///
    /// A test whose steps take longer than [`STEPS_LIMIT`] fails the same way: a step that waits for
    /// something that never comes must not hold up the whole suite (and CI) until it is killed.
    pub async fn run(&self, test: &str, steps: impl Future<Output = ()>) {
        let failure: Box<dyn Any + Send> =
            match tokio::time::timeout(STEPS_LIMIT, AssertUnwindSafe(steps).catch_unwind()).await {
                Ok(Ok(())) => return,
                Ok(Err(panic)) => panic,
                Err(_) => Box::new(format!("{test} did not finish within {} s", STEPS_LIMIT.as_secs())),
            };
        let dir = artifacts_dir(test);
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(Ok(png)) = tokio::time::timeout(ARTIFACT_LIMIT, self.page.screenshot(None)).await {
            let _ = std::fs::write(dir.join("screenshot.png"), png);
        }
        if let Ok(Ok(html)) = tokio::time::timeout(ARTIFACT_LIMIT, self.page.content()).await {
            let _ = std::fs::write(dir.join("page.html"), html);
        }
        let log = self.console_log.lock().expect("lock").join("\n");
        let _ = std::fs::write(dir.join("console.log"), format!("url: {}\n{log}\n", self.page.url()));
        if let Some(tracing) = &self.tracing {
            let path = dir.join("trace.zip").display().to_string();
            let _ = tokio::time::timeout(ARTIFACT_LIMIT, tracing.stop(Some(TracingStopOptions::default().path(path))))
                .await;
        }
        eprintln!("e2e artifacts of {test}: {}", dir.display());
        std::panic::resume_unwind(failure);
    }

    /// Errors the page logged (CSP violations, failed loads, panics), except the browser's note of a
    /// 4xx answer: that is how the store refuses bad input (422, 409) and the payment page a declined or
    /// expired card (402, 410), which the tests provoke on purpose and check on the page.
    pub fn console_errors(&self) -> Vec<String> {
        self.console_errors.lock().expect("lock").clone()
    }

    pub async fn close(self) {
        let _ = tokio::time::timeout(ARTIFACT_LIMIT, self.browser.close()).await;
    }
}

/// `target/e2e-artifacts/<test>/` in the workspace.
pub fn artifacts_dir(test: &str) -> PathBuf {
    let name: String = test.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' }).collect();
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-artifacts").join(name)
}

fn is_expected_refusal(text: &str) -> bool {
    ["400", "402", "404", "409", "410", "422", "429"].iter().any(|code| {
        text.starts_with(&format!("Failed to load resource: the server responded with a status of {code} "))
    })
}
