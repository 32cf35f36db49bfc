//! The store's own cookies (the cart's, the session's): HttpOnly, SameSite=Lax, `Path=/`; over https
//! named with the `__Host-` prefix and Secure, so the browser takes them only from this host over
//! https and a neighbouring subdomain cannot plant one. Each cookie module names its cookie here and
//! says which values it accepts.

use axum::http::{HeaderMap, HeaderValue, header};
use leptos::prelude::use_context;

use super::state::AppState;

/// One of the store's cookies: `plain` over http, `secure` (`__Host-…`) over https.
pub struct StoreCookie {
    pub plain: &'static str,
    pub secure: &'static str,
}

impl StoreCookie {
    /// The name this store uses: by the scheme of its public URL.
    pub fn name(&self, state: &AppState) -> &'static str {
        if state.settings.public_url.starts_with("https://") { self.secure } else { self.plain }
    }

    /// The cookie's value in the request, if it has one that `valid` accepts.
    pub fn read(&self, state: &AppState, headers: &HeaderMap, valid: impl Fn(&str) -> bool) -> Option<String> {
        value_of(headers, self.name(state), valid)
    }

    /// Sets the cookie on the current response, for `max_age_secs`.
    pub fn set(&self, state: &AppState, value: &str, max_age_secs: u64) {
        self.append(state, value, max_age_secs);
    }

    /// Removes the cookie from the browser.
    pub fn clear(&self, state: &AppState) {
        self.append(state, "", 0);
    }

    fn append(&self, state: &AppState, value: &str, max_age_secs: u64) {
        let name = self.name(state);
        let secure = if name == self.secure { "; Secure" } else { "" };
        let cookie = format!("{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}");
        if let (Some(response), Ok(value)) =
            (use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(&cookie))
        {
            response.append_header(header::SET_COOKIE, value);
        }
    }
}

/// The value of the cookie `name` in any of the request's `Cookie` headers, if `valid` accepts it.
pub fn value_of(headers: &HeaderMap, name: &str, valid: impl Fn(&str) -> bool) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, value)| *cookie == name && valid(value))
        .map(|(_, value)| value.to_owned())
}
