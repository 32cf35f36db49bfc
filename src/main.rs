use std::process::ExitCode;

use storefront::server::config::{SettingError, Settings};
use storefront::server::startup::Application;
use storefront::server::telemetry;

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), SettingError> {
    let settings = Settings::load()?;
    let app = Application::build(settings).await?;
    println!("Storefront running at {}", app.url());
    app.run_until_stopped(telemetry::shutdown_signal()).await
}
