//! Probes for load balancers and orchestrators.

use axum::extract::State;
use axum::http::StatusCode;

use super::state::AppState;

/// The process is up and serving.
pub async fn alive() -> &'static str {
    "ok"
}

/// The store can serve shoppers: its database answers.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(err) => {
            tracing::error!(cause = %err, "readiness check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
