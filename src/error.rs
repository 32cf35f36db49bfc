//! The store's one error type, shared by the server and the browser.
//!
//! Every variant carries a message fit for a shopper (its `Display`). Causes of
//! internal failures are logged on the server and never sent to the browser.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Per-field messages for a form: field name → what is wrong with it.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("We couldn't find what you were looking for.")]
    NotFound,
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("You don't have access to that.")]
    Forbidden,
    #[error("{}", validation_summary(.0))]
    Validation(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("That request is too large.")]
    TooLarge,
    #[error("Too many requests. Please try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never got a proper answer (network down, server restarting…).
    #[error("We couldn't reach the store. Check your connection and try again.")]
    Unreachable,
}

fn validation_summary(fields: &FieldErrors) -> String {
    match fields.values().next() {
        Some(message) if fields.len() == 1 => message.clone(),
        _ => "Please check the highlighted fields.".to_owned(),
    }
}

impl AppError {
    /// A validation error for a single field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(FieldErrors::from([(field.to_owned(), message.into())]))
    }

    /// The message for one form field, if this error has one.
    pub fn field(&self, name: &str) -> Option<&str> {
        match self {
            AppError::Validation(fields) => fields.get(name).map(String::as_str),
            _ => None,
        }
    }

    /// The HTTP status this error maps to.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::Validation(_) => 422,
            AppError::Conflict(_) => 409,
            AppError::TooLarge => 413,
            AppError::RateLimited { .. } => 429,
            AppError::Internal => 500,
            AppError::Unreachable => 502,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(_) | E::Response(_) => AppError::Unreachable,
            // Arguments the server could not read are the sender's fault: say so without internals.
            E::Args(message) | E::Deserialization(message) => match missing_field(&message) {
                Some(field) => AppError::invalid(field, "This field is required."),
                None => AppError::invalid("request", "That request was not understood."),
            },
            E::UnsupportedRequestMethod(_) => AppError::invalid("request", "That request was not understood."),
            E::MissingArg(arg) => AppError::invalid(&arg, "This field is required."),
            E::Registration(_) => AppError::NotFound,
            E::ServerError(_) | E::MiddlewareError(_) | E::Serialization(_) => AppError::Internal,
        }
    }
}

/// The field serde names in "missing field `quantity`", the only argument error that says which field.
fn missing_field(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once("missing field `")?;
    let (field, _) = rest.split_once('`')?;
    Some(field).filter(|f| !f.is_empty() && f.len() <= 40 && f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

#[cfg(feature = "ssr")]
mod server {
    use super::AppError;
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};

    impl AppError {
        /// Logs an infrastructure failure with its cause chain and hides it from the user.
        pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
            let mut chain = cause.to_string();
            let mut source = cause.source();
            while let Some(inner) = source {
                chain.push_str(": ");
                chain.push_str(&inner.to_string());
                source = inner.source();
            }
            tracing::error!(cause = %chain, "internal error");
            AppError::Internal
        }

        pub fn status_code(&self) -> StatusCode {
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }

    impl From<sea_orm::DbErr> for AppError {
        fn from(err: sea_orm::DbErr) -> Self {
            AppError::internal(&err)
        }
    }

    impl From<sea_orm::TransactionError<AppError>> for AppError {
        fn from(err: sea_orm::TransactionError<AppError>) -> Self {
            match err {
                sea_orm::TransactionError::Connection(db) => db.into(),
                sea_orm::TransactionError::Transaction(app) => app,
            }
        }
    }

    /// JSON body `{"error": message, "fields": {..}}` with the mapped status.
    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let fields = match &self {
                AppError::Validation(fields) => fields.clone(),
                _ => Default::default(),
            };
            let body = serde_json::json!({ "error": self.to_string(), "fields": fields });
            let mut response = (self.status_code(), axum::Json(body)).into_response();
            if let AppError::RateLimited { retry_after_secs } = self
                && let Ok(value) = retry_after_secs.to_string().parse()
            {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_field_error_reads_as_its_message() {
        let err = AppError::invalid("email", "Enter a valid email address.");
        assert_eq!(err.to_string(), "Enter a valid email address.");
        assert_eq!(err.field("email"), Some("Enter a valid email address."));
        assert_eq!(err.field("name"), None);
        assert_eq!(err.status(), 422);
    }

    #[test]
    fn several_field_errors_read_as_a_summary() {
        let mut fields = FieldErrors::new();
        fields.insert("email".into(), "Required.".into());
        fields.insert("name".into(), "Required.".into());
        assert_eq!(AppError::Validation(fields).to_string(), "Please check the highlighted fields.");
    }

    #[test]
    fn internal_errors_never_show_their_cause() {
        assert_eq!(AppError::Internal.to_string(), "Something went wrong on our side. Please try again.");
        assert_eq!(AppError::Internal.status(), 500);
    }

    #[test]
    fn argument_errors_are_the_senders_and_name_a_missing_field() {
        use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr as E};
        let missing = AppError::from_server_fn_error(E::Args("missing field `quantity`".into()));
        assert_eq!(missing, AppError::invalid("quantity", "This field is required."));
        for unreadable in ["invalid digit found in string", "missing field `` at 3", "missing field `a b`"] {
            let err = AppError::from_server_fn_error(E::Args(unreadable.into()));
            assert_eq!(err.status(), 422, "{unreadable}");
            assert_eq!(err.field("request"), Some("That request was not understood."), "{unreadable}");
        }
    }

    #[test]
    fn errors_survive_the_trip_to_the_browser() {
        use leptos::server_fn::error::FromServerFnError;
        let err = AppError::RateLimited { retry_after_secs: 30 };
        assert_eq!(AppError::de(err.ser()), err);
    }
}
