//! A shopper's browser, for tests that sign in: it keeps its cookies (session, cart), posts forms the
//! way a browser without JavaScript does (`Accept: text/html`, answered with redirects) and reads the
//! mails the store queued for it.

use crate::helpers::{TestApp, form_value};

pub struct Shopper<'a> {
    pub app: &'a TestApp,
    cookies: std::sync::Mutex<Vec<(String, String)>>,
}

impl<'a> Shopper<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Shopper { app, cookies: Default::default() }
    }

    /// The `Cookie` header this browser sends.
    pub fn cookie_header(&self) -> String {
        let cookies = self.cookies.lock().unwrap();
        cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
    }

    /// The value of one cookie, if the browser has it.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        let mut cookies = self.cookies.lock().unwrap();
        cookies.retain(|(n, _)| n != name);
        cookies.push((name.to_owned(), value.to_owned()));
    }

    fn keep_cookies(&self, response: &reqwest::Response) {
        for header in response.headers().get_all("set-cookie") {
            let Some((pair, attributes)) = header.to_str().unwrap().split_once(';') else { continue };
            let Some((name, value)) = pair.split_once('=') else { continue };
            let mut cookies = self.cookies.lock().unwrap();
            cookies.retain(|(n, _)| n != name);
            if !attributes.contains("Max-Age=0") {
                cookies.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        let request = self.app.client.get(self.app.url(path)).header("cookie", self.cookie_header());
        let request = request.header("accept", "text/html,application/xhtml+xml");
        let response = request.send().await.unwrap();
        self.keep_cookies(&response);
        response
    }

    /// Status and body of a page.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// A form posted by the browser itself: the answer is a redirect (its `Location`).
    pub async fn submit(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let request = self.app.client.post(self.app.url(path)).header("accept", "text/html");
        let response = request.header("cookie", self.cookie_header()).form(form).send().await.unwrap();
        self.keep_cookies(&response);
        response
    }

    /// A form on `page` posted by the browser: a refusal is a redirect back to `page` with the error.
    pub async fn submit_on(&self, page: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut fields = form.to_vec();
        fields.push(("__page", page));
        self.submit(path, &fields).await
    }

    /// A form posted by a script: refusals come back as JSON with their status.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let request = self.app.client.post(self.app.url(path)).header("cookie", self.cookie_header());
        let response = request.form(form).send().await.unwrap();
        self.keep_cookies(&response);
        response
    }

    pub async fn sign_up(&self, name: &str, email: &str, password: &str) -> reqwest::Response {
        self.submit("/api/account/sign-up", &[("name", name), ("email", email), ("password", password)]).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.submit("/api/account/sign-in", &[("email", email), ("password", password)]).await
    }

    /// Buys one unit of `sku` through the checkout's forms, as a script posts them, with `email`:
    /// the new order's token.
    pub async fn check_out(&self, sku: &str, email: &str) -> String {
        let ok = |response: &reqwest::Response, step: &str| {
            assert!(response.status().as_u16() < 400, "{step}: {}", response.status());
        };
        ok(&self.post("/api/cart/add", &[("sku", sku), ("quantity", "1")]).await, "add to cart");
        let details = [
            ("email", email),
            ("name", "Ada Lovelace"),
            ("line1", "1 Main St"),
            ("city", "Springfield"),
            ("region", "IL"),
            ("postal_code", "62701"),
            ("country", "US"),
        ];
        ok(&self.post("/api/checkout/details", &details).await, "details");
        ok(&self.post("/api/checkout/shipping", &[("method", "standard")]).await, "shipping");
        let (status, review) = self.page("/checkout/review").await;
        assert_eq!(status, 200);
        let hidden = |name: &str| form_value(&review, name).unwrap_or_else(|| panic!("{name} in the review"));
        let (key, total) = (hidden("idempotency_key"), hidden("expected_total"));
        let placed = self.post("/api/checkout/place", &[("idempotency_key", &key), ("expected_total", &total)]).await;
        assert_eq!(placed.status(), 200);
        placed.text().await.unwrap().trim_matches('"').to_owned()
    }

    /// Signs up, confirms the address from the mailed link, and is signed in.
    pub async fn registered(app: &'a TestApp, name: &str, email: &str, password: &str) -> Shopper<'a> {
        let shopper = Shopper::new(app);
        assert_eq!(shopper.sign_up(name, email, password).await.status(), 302);
        let token = link_token(&app.db, email, "/account/verify?token=").await.expect("a verification mail");
        let confirmed = shopper.submit("/api/account/verify", &[("token", &token)]).await;
        assert_eq!(location(&confirmed), "/account?verified=1");
        shopper
    }
}

/// Where a redirect goes: the path and query (an absolute address's origin left out).
pub fn location(response: &reqwest::Response) -> String {
    let value = response.headers().get("location").unwrap_or_else(|| panic!("a redirect, got {}", response.status()));
    let value = value.to_str().unwrap();
    match value.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/".to_owned(), |at| rest[at..].to_owned()),
        None => value.to_owned(),
    }
}

/// The secret of the newest link mailed to `to` whose address contains `marker`.
pub async fn link_token(db: &sea_orm::DatabaseConnection, to: &str, marker: &str) -> Option<String> {
    let mails = storefront::server::services::mail::recent(db, 50).await.unwrap();
    mails.into_iter().filter(|mail| mail.to_address == to).find_map(|mail| {
        let (_, rest) = mail.body.split_once(marker)?;
        Some(rest.chars().take_while(char::is_ascii_hexdigit).collect())
    })
}

/// Mails queued to `to` of one kind.
pub async fn mails_to(db: &sea_orm::DatabaseConnection, to: &str, kind: &str) -> usize {
    let mails = storefront::server::services::mail::recent(db, 200).await.unwrap();
    mails.iter().filter(|mail| mail.to_address == to && mail.kind == kind).count()
}
