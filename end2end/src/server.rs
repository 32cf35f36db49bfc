//! Starts the real server binary (built by `cargo leptos build`) on a free port with a fresh SQLite database.

use std::path::PathBuf;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct Server {
    pub url: String,
    _child: Child,
    _data_dir: tempfile::TempDir,
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// STOREFRONT_BIN, else `$CARGO_TARGET_DIR/debug/storefront`, else `target/debug/storefront`.
fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("STOREFRONT_BIN") {
        return PathBuf::from(path);
    }
    let target =
        std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| workspace_root().join("target"));
    target.join("debug").join("storefront")
}

impl Server {
    pub async fn start() -> Server {
        let data_dir = tempfile::tempdir().expect("tempdir");
        let site_root = std::env::var("STOREFRONT_SITE_ROOT")
            .map(PathBuf::from)
            .unwrap_or_else(|_| workspace_root().join("target/site"));
        let bin = binary();
        assert!(bin.exists(), "{} is missing: run `cargo leptos build` first (./dev.sh e2e does)", bin.display());
        let mut child = Command::new(&bin)
            .current_dir(workspace_root())
            .env("STORE_ADDRESS", "127.0.0.1:0")
            .env("STORE_ENV", "development")
            .env("STORE_DATA_DIR", data_dir.path())
            .env_remove("DATABASE_URL")
            .env("LEPTOS_SITE_ROOT", &site_root)
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            match lines.next_line().await.expect("read server output") {
                Some(line) => {
                    if let Some(url) = line.strip_prefix("Storefront running at ") {
                        break url.trim().to_owned();
                    }
                }
                None => panic!("the server exited before it was ready"),
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Server { url, _child: child, _data_dir: data_dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Runs one of the binary's commands (`create-admin EMAIL`…) on this server's database.
    pub async fn command(&self, args: &[&str]) -> std::process::Output {
        Command::new(binary())
            .current_dir(workspace_root())
            .env("STORE_ENV", "development")
            .env("STORE_ADDRESS", "127.0.0.1:0")
            .env("STORE_DATA_DIR", self._data_dir.path())
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .args(args)
            .output()
            .await
            .unwrap_or_else(|e| panic!("cannot run {args:?}: {e}"))
    }
}
