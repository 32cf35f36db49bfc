//! The real binary: bad settings give one line and a non-zero exit; SIGTERM stops it cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn storefront(vars: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_storefront"));
    let data = std::env::temp_dir().join(format!("storefront-process-{}", uuid::Uuid::new_v4().simple()));
    cmd.env("STORE_DATA_DIR", &data).env("STORE_ADDRESS", "127.0.0.1:0").env("RUST_LOG", "warn");
    cmd.env("STORE_ENV", "development");
    for (name, value) in vars {
        cmd.env(name, value);
    }
    cmd
}

/// Kills the child after two minutes, so that a server that does not start or stop fails its test
/// (with EOF on stdout or a non-success status) instead of hanging the suite.
fn watchdog(child: &std::process::Child) {
    let pid = child.id().to_string();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(120));
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
    });
}

fn fails_with_one_line(vars: &[(&str, &str)], expected_start: &str) {
    let output = storefront(vars).output().expect("run the binary");
    assert!(!output.status.success(), "exit status {:?}", output.status);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected, got:\n{stderr}");
    assert!(lines[0].starts_with(expected_start), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_unparsable_database_url_names_the_setting() {
    fails_with_one_line(&[("DATABASE_URL", "mysql://root:hunter2@db/x")], "error: DATABASE_URL: ");
}

#[test]
fn an_unreachable_database_names_the_setting() {
    fails_with_one_line(
        &[("DATABASE_URL", "postgres://shop:secret@127.0.0.1:1/shop")],
        "error: DATABASE_URL: cannot connect",
    );
}

#[test]
fn a_port_in_use_names_the_setting() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    fails_with_one_line(&[("STORE_ADDRESS", &address)], "error: STORE_ADDRESS: cannot listen");
}

#[test]
fn a_bad_address_names_the_setting() {
    fails_with_one_line(&[("STORE_ADDRESS", "not-an-address")], "error: STORE_ADDRESS: ");
}

#[test]
fn a_start_that_does_not_ask_for_development_is_production_and_needs_its_settings() {
    // No STORE_ENV (the repository's Leptos.toml cannot turn development on).
    fails_with_one_line(&[("STORE_ENV", "")], "error: STORE_PUBLIC_URL: required in production");
    // Development on an address other machines reach is refused.
    fails_with_one_line(&[("STORE_ADDRESS", "0.0.0.0:0")], "error: STORE_ENV: development mode listens on a loopback");
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut child = storefront(&[]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn");
    watchdog(&child);
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("Storefront running at http://127.0.0.1:"), "{line}");
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn the_sqlite_database_is_created_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = storefront(&[("STORE_DATA_DIR", dir.path().join("nested").to_str().unwrap())])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    watchdog(&child);
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(dir.path().join("nested/store.db").exists(), "the database file is created");
    let header = std::fs::read(dir.path().join("nested/store.db")).unwrap();
    // Bytes 18 and 19 of a SQLite file are its read/write versions: 2 means WAL.
    assert_eq!((header[18], header[19]), (2, 2), "WAL mode");
}

#[test]
fn seed_then_reindex_reports_the_index_and_asks_running_nodes_to_reload() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let seeded = storefront(&[("STORE_DATA_DIR", data)]).args(["seed", "--products", "12"]).output().unwrap();
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    assert!(String::from_utf8_lossy(&seeded.stdout).starts_with("Seeded 12 products"));

    let reindexed = storefront(&[("STORE_DATA_DIR", data)]).arg("reindex").output().unwrap();
    assert!(reindexed.status.success(), "{}", String::from_utf8_lossy(&reindexed.stderr));
    let stdout = String::from_utf8_lossy(&reindexed.stdout);
    let indexed: usize =
        stdout.strip_prefix("Indexed ").and_then(|s| s.split(' ').next()).and_then(|n| n.parse().ok()).expect(&stdout);
    assert!((10..=12).contains(&indexed), "the active products (a few may be drafts): {stdout}");
    assert!(stdout.contains("running stores reload within 1000 ms"), "{stdout}");

    let extra = storefront(&[("STORE_DATA_DIR", data)]).args(["reindex", "now"]).output().unwrap();
    assert_eq!(extra.status.code(), Some(2), "unknown arguments are refused");
}

#[test]
fn reconcile_inventory_exits_1_on_drift_and_apply_corrects_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let run = |args: &[&str]| storefront(&[("STORE_DATA_DIR", data)]).args(args).output().unwrap();
    assert!(run(&["seed", "--products", "6"]).status.success());
    let clean = run(&["reconcile-inventory"]);
    assert!(clean.status.success(), "{}", String::from_utf8_lossy(&clean.stderr));
    assert!(String::from_utf8_lossy(&clean.stdout).starts_with("0 of "), "{}", String::from_utf8_lossy(&clean.stdout));

    // One SKU's stock written behind the ledger's back.
    let sku: String = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(format!("sqlite://{data}/store.db")).await.unwrap();
        let first =
            sea_orm::Statement::from_string(db.get_database_backend(), "SELECT sku FROM variants ORDER BY id LIMIT 1");
        let row = db.query_one_raw(first).await.unwrap().unwrap();
        let sku: String = row.try_get_by_index(0).unwrap();
        db.execute_unprepared(&format!("UPDATE variants SET stock = stock + 7 WHERE sku = '{sku}'")).await.unwrap();
        sku
    });
    let drift = run(&["reconcile-inventory"]);
    assert_eq!(drift.status.code(), Some(1));
    let table = String::from_utf8_lossy(&drift.stdout);
    let line = table.lines().find(|l| l.starts_with(&sku)).unwrap_or_else(|| panic!("{sku} in\n{table}"));
    assert_eq!(line.split_whitespace().nth(3), Some("7"), "its drift: {line}");
    assert!(table.contains("1 of ") && table.contains("stock differs from the ledger in 1"), "{table}");

    let json = run(&["reconcile-inventory", "--json"]);
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(report["drift"][0]["sku"], sku.as_str());
    assert_eq!(report["drift"][0]["ledger_drift"], 7);
    assert_eq!(report["has_drift"], true);

    let applied = run(&["reconcile-inventory", "--apply"]);
    assert!(applied.status.success(), "{}", String::from_utf8_lossy(&applied.stdout));
    assert!(String::from_utf8_lossy(&applied.stdout).contains("corrected the ledger of 1 (reason 'reconcile')"));
    let again = run(&["reconcile-inventory"]);
    assert!(again.status.success() && String::from_utf8_lossy(&again.stdout).starts_with("0 of "));
    assert_eq!(run(&["reconcile-inventory", "--fix"]).status.code(), Some(2), "unknown options are refused");
}

#[test]
fn the_background_jobs_run_once_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let run = |args: &[&str]| storefront(&[("STORE_DATA_DIR", data)]).args(args).output().unwrap();
    for (command, says) in [
        ("expire-holds", "Cancelled 0 orders whose payment hold ran out"),
        ("sweep-payments", "Settled late payments: 0 orders revived, 0 refunded"),
        ("prune", "Pruned 0 idempotency keys"),
    ] {
        let output = run(&[command]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{command}: {}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.starts_with(says), "{command}: {stdout}");
        assert_eq!(run(&[command, "now"]).status.code(), Some(2), "{command} takes no arguments");
    }
}

#[test]
fn create_admin_needs_one_address_of_a_confirmed_account() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let run = |args: &[&str]| storefront(&[("STORE_DATA_DIR", data)]).args(args).output().unwrap();
    assert_eq!(run(&["create-admin"]).status.code(), Some(2));
    assert_eq!(run(&["create-admin", "a@example.com", "b@example.com"]).status.code(), Some(2));
    let unknown = run(&["create-admin", "nobody@example.com"]);
    assert_eq!(unknown.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("No account uses nobody@example.com") && !stderr.contains("panicked"), "{stderr}");
}
