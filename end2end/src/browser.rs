//! Debian's chromium through playwright-rs, with the flags this machine needs.

use std::sync::{Arc, Mutex};

use playwright_rs::{Browser, BrowserContextOptions, LaunchOptions, Page, Playwright};

pub struct Session {
    pub page: Page,
    pub browser: Browser,
    _playwright: Playwright,
    console_errors: Arc<Mutex<Vec<String>>>,
}

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
        let page = context.new_page().await.expect("new page");
        let console_errors = Arc::new(Mutex::new(Vec::new()));
        let errors = console_errors.clone();
        page.on_console(move |message| {
            let errors = errors.clone();
            async move {
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
        Session { page, browser, _playwright: playwright, console_errors }
    }

    /// Errors the page logged (CSP violations, failed loads, panics), except the browser's note of a
    /// 4xx answer to a server function: that is how the store refuses bad input (422, 409), which the
    /// tests provoke on purpose and check on the page.
    pub fn console_errors(&self) -> Vec<String> {
        self.console_errors.lock().expect("lock").clone()
    }

    pub async fn close(self) {
        let _ = self.browser.close().await;
    }
}

fn is_expected_refusal(text: &str) -> bool {
    ["400", "404", "409", "422", "429"].iter().any(|code| {
        text.starts_with(&format!("Failed to load resource: the server responded with a status of {code} "))
    })
}
