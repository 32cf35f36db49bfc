//! The signed-in shopper's session cookie: `session=<256-bit random hex>`, HttpOnly, SameSite=Lax,
//! `Path=/`; over https `__Host-session` and Secure. The session itself lives in the database
//! (`services::accounts::sessions`); the cookie only names it. A page request with this cookie reads
//! its account before rendering (the header greets the shopper) and is never served from, or kept in,
//! the page cache.

use axum::http::HeaderMap;
use leptos::prelude::use_context;

use super::cookies::StoreCookie;
use super::services::accounts::{self, secrets};
use super::state::AppState;
use crate::error::AppError;
use crate::model::account::AccountView;
use crate::server::entities::user;

const SESSION_COOKIE: StoreCookie = StoreCookie { plain: "session", secure: "__Host-session" };

/// The secret in the request's session cookie, if it has one of the right shape.
pub fn secret_from(state: &AppState, headers: &HeaderMap) -> Option<String> {
    SESSION_COOKIE.read(state, headers, secrets::is_secret)
}

/// The account a page shows in its header, read before the page renders (None: signed out).
#[derive(Clone, Debug, Default)]
pub struct PageAccount(pub Option<AccountView>);

/// Reads the request's account into its extensions for the page about to render. Requests without a
/// session cookie (every anonymous page) do no work here.
pub async fn with_page_account(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // The pages router also answers the server functions (/api/…): they read the session themselves.
    if request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let account = page_account(&state, request.headers()).await;
    request.extensions_mut().insert(PageAccount(account));
    next.run(request).await
}

pub async fn page_account(state: &AppState, headers: &HeaderMap) -> Option<AccountView> {
    let secret = secret_from(state, headers)?;
    let read = async {
        let Some(user) = accounts::signed_in_user(&state.db, &secret, state.settings.sessions).await? else {
            return Ok(None);
        };
        let saved = crate::server::services::wishlist::saved_slugs(&state.db, user.id).await?;
        Ok::<_, AppError>(Some(AccountView { saved, ..AccountView::from(&user) }))
    };
    match read.await {
        Ok(account) => account,
        Err(error) => {
            tracing::warn!(%error, "the page's account could not be read");
            None
        }
    }
}

/// The page's account as `with_page_account` read it.
pub fn rendered_page_account() -> Option<AccountView> {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageAccount>().and_then(|account| account.0.clone()))
}

/// The current request's session secret and its user, if signed in.
pub async fn current(state: &AppState) -> Result<Option<(String, user::Model)>, AppError> {
    let headers: HeaderMap = leptos_axum::extract().await.map_err(|_| AppError::Internal)?;
    let Some(secret) = secret_from(state, &headers) else { return Ok(None) };
    let user = accounts::signed_in_user(&state.db, &secret, state.settings.sessions).await?;
    Ok(user.map(|user| (secret, user)))
}

/// The signed-in user, or `Unauthorized` ("Please sign in to continue.").
pub async fn require_user(state: &AppState) -> Result<(String, user::Model), AppError> {
    current(state).await?.ok_or(AppError::Unauthorized)
}

/// Sets the session cookie for `secret` on the current response (it lasts as long as the session may).
pub fn set_cookie(state: &AppState, secret: &str) {
    SESSION_COOKIE.set(state, secret, state.settings.sessions.absolute.as_secs());
}

/// Removes the session cookie from the browser.
pub fn clear_cookie(state: &AppState) {
    SESSION_COOKIE.clear(state);
}
