//! Rate limits on what attackers repeat: card payments (card testing), promo codes (guessing), new
//! carts and orders (stock held by bots). Per client address and action, a GCRA quota from `governor`
//! (`Limits::per_minute`, with that many at once); over it, 429 with `Retry-After`. The client's address
//! is the connection's peer, or behind a proxy the configured header's last entry (what the proxy
//! appended): a header nobody configured is never believed.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::state::AppState;
use crate::error::AppError;

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// "Pay", and paying on the sandbox's hosted page.
    Payment,
    PromoCode,
    /// An add to cart that creates a cart (no cart cookie yet).
    NewCart,
    Order,
    /// Sign-in attempts (password guessing), and the account changes that ask for the password (email,
    /// password), per client and per account.
    SignIn,
    /// New accounts (and the mails they send).
    SignUp,
    /// "Forgot password" requests and reset-link uses, per client and per account.
    PasswordReset,
    /// Verification links used and mails resent, per client and per account.
    Verification,
    /// "Email me when it is back" asks, per client and per address (each can mean a mail to someone).
    StockAlert,
}

#[derive(Clone)]
pub struct RateLimits {
    limiter: Arc<DefaultKeyedRateLimiter<(Action, IpAddr)>>,
    /// Per account (its email): attempts on one account from many addresses. A quota that refills, so
    /// an attacker slows the owner down for minutes at worst and never locks them out for good.
    accounts: Arc<DefaultKeyedRateLimiter<(Action, String)>>,
}

impl RateLimits {
    /// `per_minute` per client and action; `per_account_hour` per account and action (as many at once).
    pub fn new(per_minute: u32, per_account_hour: u32) -> RateLimits {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let per_account_hour = NonZeroU32::new(per_account_hour).unwrap_or(NonZeroU32::MIN);
        RateLimits {
            limiter: Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute))),
            accounts: Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_hour(per_account_hour))),
        }
    }

    /// Counts one `action` from `client`; refused with how long to wait when over the quota.
    pub fn check(&self, action: Action, client: IpAddr) -> Result<(), AppError> {
        self.limiter.check_key(&(action, client)).map_err(refusal)
    }

    /// Counts one `action` on the account of `email` (as typed: trimmed and lower-cased here).
    pub fn check_account(&self, action: Action, email: &str) -> Result<(), AppError> {
        let key = email.trim().to_lowercase();
        self.accounts.check_key(&(action, key)).map_err(|not_until| {
            tracing::warn!(?action, "rate limited on one account");
            refusal(not_until)
        })
    }

    /// Forgets clients whose quota has fully refilled (keeps memory bounded; run now and then).
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
        self.accounts.retain_recent();
        self.accounts.shrink_to_fit();
    }
}

fn refusal(not_until: governor::NotUntil<<DefaultClock as Clock>::Instant>) -> AppError {
    let wait = not_until.wait_time_from(DefaultClock::default().now());
    AppError::RateLimited { retry_after_secs: wait.as_secs() + 1 }
}

/// The limited action a request is, if any.
fn action_of(method: &Method, path: &str, has_cart: bool) -> Option<Action> {
    if method != Method::POST {
        return None;
    }
    match path {
        "/api/order/pay" => Some(Action::Payment),
        _ if path.starts_with("/sandbox/stripe/pay/") => Some(Action::Payment),
        "/api/checkout/promo" => Some(Action::PromoCode),
        "/api/checkout/place" => Some(Action::Order),
        "/api/cart/add" if !has_cart => Some(Action::NewCart),
        // Each asks for the account's password: guesses, as at sign-in.
        "/api/account/sign-in" | "/api/account/email" | "/api/account/password" => Some(Action::SignIn),
        "/api/account/sign-up" => Some(Action::SignUp),
        "/api/account/forgot-password" | "/api/account/reset-password" => Some(Action::PasswordReset),
        "/api/account/verify" | "/api/account/resend-verification" => Some(Action::Verification),
        "/api/stock-alert" => Some(Action::StockAlert),
        _ => None,
    }
}

/// The client's address: the trusted header's last entry when one is configured and present, else the
/// connection's peer.
pub fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>, trusted_header: Option<&str>) -> Option<IpAddr> {
    let from_header = trusted_header
        .and_then(|name| headers.get_all(name).iter().next_back())
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .and_then(|last| last.trim().parse::<IpAddr>().ok());
    from_header.or(peer.map(|p| p.ip()))
}

pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let has_cart = super::cart_session::token_from(&state, request.headers()).is_some();
    let Some(action) = action_of(request.method(), request.uri().path(), has_cart) else {
        return next.run(request).await;
    };
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let Some(client) = client_ip(request.headers(), peer, state.settings.client_ip_header.as_deref()) else {
        return next.run(request).await;
    };
    match state.rate_limits.check(action, client) {
        Ok(()) => next.run(request).await,
        Err(refusal) => {
            tracing::warn!(?action, %client, "rate limited");
            let wants_html = request
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"));
            let response = refusal.clone().into_response();
            if !wants_html {
                return response;
            }
            // A browser without JavaScript: the same status and Retry-After, with the sentence instead of JSON.
            let (mut parts, _) = response.into_parts();
            parts.headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain; charset=utf-8"));
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, axum::body::Body::from(refusal.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_refuses_the_next_with_a_wait() {
        let limits = RateLimits::new(2, 100);
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        assert!(limits.check(Action::PromoCode, ip).is_ok());
        assert!(limits.check(Action::PromoCode, ip).is_ok());
        match limits.check(Action::PromoCode, ip) {
            Err(AppError::RateLimited { retry_after_secs }) => assert!((1..=31).contains(&retry_after_secs)),
            other => panic!("{other:?}"),
        }
        assert!(limits.check(Action::Order, ip).is_ok(), "another action has its own quota");
        assert!(limits.check(Action::PromoCode, "203.0.113.8".parse().unwrap()).is_ok(), "another client too");
    }

    #[test]
    fn a_forwarded_address_counts_only_when_its_header_is_trusted() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "198.51.100.1, 192.0.2.9".parse().unwrap());
        let peer: SocketAddr = "10.0.0.2:5555".parse().unwrap();
        assert_eq!(client_ip(&headers, Some(peer), None), Some(peer.ip()), "untrusted: the peer");
        assert_eq!(client_ip(&headers, Some(peer), Some("x-forwarded-for")), Some("192.0.2.9".parse().unwrap()));
        headers.insert("x-forwarded-for", "junk".parse().unwrap());
        assert_eq!(client_ip(&headers, Some(peer), Some("x-forwarded-for")), Some(peer.ip()), "unreadable: the peer");
    }

    #[test]
    fn only_sensitive_posts_are_counted() {
        assert_eq!(action_of(&Method::POST, "/api/order/pay", true), Some(Action::Payment));
        assert_eq!(action_of(&Method::POST, "/sandbox/stripe/pay/cs_test_1", false), Some(Action::Payment));
        assert_eq!(action_of(&Method::POST, "/api/cart/add", false), Some(Action::NewCart));
        assert_eq!(action_of(&Method::POST, "/api/cart/add", true), None, "an existing cart");
        assert_eq!(action_of(&Method::GET, "/api/order/pay", false), None);
        assert_eq!(action_of(&Method::POST, "/api/cart/update", false), None);
        assert_eq!(action_of(&Method::POST, "/api/account/sign-in", true), Some(Action::SignIn));
        assert_eq!(action_of(&Method::POST, "/api/account/password", true), Some(Action::SignIn));
        assert_eq!(action_of(&Method::POST, "/api/account/email", true), Some(Action::SignIn));
        assert_eq!(action_of(&Method::POST, "/api/account/reset-password", true), Some(Action::PasswordReset));
        assert_eq!(action_of(&Method::POST, "/api/stock-alert", false), Some(Action::StockAlert));
    }

    #[test]
    fn an_account_has_its_own_quota_whatever_the_client() {
        let limits = RateLimits::new(100, 2);
        assert!(limits.check_account(Action::SignIn, "ada@example.com").is_ok());
        assert!(limits.check_account(Action::SignIn, " ADA@example.com").is_ok());
        assert!(matches!(limits.check_account(Action::SignIn, "ada@example.com"), Err(AppError::RateLimited { .. })));
        assert!(limits.check_account(Action::SignIn, "bob@example.com").is_ok(), "another account");
        assert!(limits.check_account(Action::PasswordReset, "ada@example.com").is_ok(), "another action");
    }
}
