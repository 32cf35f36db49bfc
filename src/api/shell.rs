use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the page frame (header, footer) shows on every page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShellInfo {
    pub store_name: String,
}

#[server(prefix = "/api", endpoint = "shell")]
pub async fn get_shell_info() -> Result<ShellInfo, AppError> {
    let state = crate::server::app_state()?;
    Ok(ShellInfo { store_name: state.settings.store_name.clone() })
}
