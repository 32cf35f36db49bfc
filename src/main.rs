use std::process::ExitCode;

use storefront::server::config::{SettingError, Settings};
use storefront::server::seed::{self, SeedOptions};
use storefront::server::services::payments::Payments;
use storefront::server::services::promos::{self, NewPromo};
use storefront::server::services::read_model::{Snapshot, record_change};
use storefront::server::services::reconcile;
use storefront::server::startup::Application;
use storefront::server::{db, jobs, telemetry};

const USAGE: &str = "usage: storefront [serve]
       storefront seed [--products N] [--seed S]   build the demo catalog (250 products) or N synthetic ones
       storefront reindex                          rebuild the search index and catalog copy on every running node
       storefront promo add CODE (--percent P | --off CENTS) [--min CENTS] [--expires YYYY-MM-DD] [--limit N]
                                                   create a promo code
       storefront create-admin EMAIL               make the (confirmed) account of EMAIL an admin
       storefront expire-holds                     cancel the orders whose payment hold ran out (the 15 s job, once)
       storefront sweep-payments                   settle payments that came after their hold (the 30 s job, once)
       storefront prune                            delete old keys, events, mails, idle carts (the hourly job, once)
       storefront reconcile-inventory [--apply] [--json]
                                                   compare every SKU's stock with its ledger and with the holds of
                                                   orders awaiting payment; exit 1 on drift; --apply corrects the
                                                   ledger (reason 'reconcile')";

enum Command {
    Serve,
    Seed(SeedOptions),
    Reindex,
    AddPromo(NewPromo),
    Reconcile {
        apply: bool,
        json: bool,
    },
    CreateAdmin(String),
    /// One round of a background job, by hand.
    Job(Job),
}

#[derive(Clone, Copy)]
enum Job {
    ExpireHolds,
    SweepPayments,
    Prune,
}

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    let command = match parse_args(std::env::args().skip(1).collect()) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Reconcile { apply, json } => return reconcile_inventory(apply, json).await,
        Command::Serve => serve().await,
        Command::Seed(options) => seed_catalog(options).await,
        Command::Reindex => reindex().await,
        Command::AddPromo(promo) => add_promo(promo).await,
        Command::Job(job) => run_job(job).await,
        Command::CreateAdmin(email) => create_admin(&email).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: Vec<String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    match args.next().as_deref() {
        None | Some("serve") => Ok(Command::Serve),
        Some("seed") => {
            let mut options = SeedOptions::default();
            while let Some(flag) = args.next() {
                let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
                let number = value.parse::<u64>().map_err(|_| format!("{flag}: '{value}' is not a whole number"))?;
                match flag.as_str() {
                    "--products" if number > 0 && number <= 1_000_000 => options.products = number as usize,
                    "--products" => return Err("--products must be between 1 and 1000000".into()),
                    "--seed" => options.seed = number,
                    _ => return Err(format!("unknown option {flag}")),
                }
            }
            Ok(Command::Seed(options))
        }
        Some("reindex") => match args.next() {
            None => Ok(Command::Reindex),
            Some(extra) => Err(format!("reindex takes no arguments (got '{extra}')")),
        },
        Some("promo") => {
            if args.next().as_deref() != Some("add") {
                return Err("promo: the only subcommand is 'add'".into());
            }
            let code = args.next().ok_or("promo add needs a CODE")?;
            let mut promo = NewPromo { code, ..Default::default() };
            while let Some(flag) = args.next() {
                let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
                let number = || value.parse::<i64>().map_err(|_| format!("{flag}: '{value}' is not a whole number"));
                match flag.as_str() {
                    "--percent" => promo.percent = Some(number()?),
                    "--off" => promo.fixed = Some(number()?),
                    "--min" => promo.min_subtotal = number()?,
                    "--limit" => promo.usage_limit = Some(number()? as i32),
                    "--expires" => {
                        let day = chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d")
                            .map_err(|_| format!("--expires: '{value}' is not a date like 2026-12-31"))?;
                        promo.expires_at = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
                    }
                    _ => return Err(format!("unknown option {flag}")),
                }
            }
            Ok(Command::AddPromo(promo))
        }
        Some("create-admin") => match (args.next(), args.next()) {
            (Some(email), None) => Ok(Command::CreateAdmin(email)),
            _ => Err("create-admin takes one email address".into()),
        },
        Some(name @ ("expire-holds" | "sweep-payments" | "prune")) => {
            if let Some(extra) = args.next() {
                return Err(format!("{name} takes no arguments (got '{extra}')"));
            }
            Ok(Command::Job(match name {
                "expire-holds" => Job::ExpireHolds,
                "sweep-payments" => Job::SweepPayments,
                _ => Job::Prune,
            }))
        }
        Some("reconcile-inventory") => {
            let (mut apply, mut json) = (false, false);
            for flag in args {
                match flag.as_str() {
                    "--apply" => apply = true,
                    "--json" => json = true,
                    _ => return Err(format!("unknown option {flag}")),
                }
            }
            Ok(Command::Reconcile { apply, json })
        }
        Some(other) => Err(format!("unknown command '{other}'")),
    }
}

async fn serve() -> Result<(), SettingError> {
    let settings = Settings::load()?;
    let app = Application::build(settings).await?;
    let shutdown = telemetry::shutdown_signal();
    println!("Storefront running at {}", app.url());
    app.run_until_stopped(shutdown).await
}

async fn seed_catalog(options: SeedOptions) -> Result<(), SettingError> {
    let settings = Settings::load()?;
    if settings.production {
        return Err(SettingError::new("seed", "the demo catalog is for development only (STORE_ENV=development)"));
    }
    let db = db::connect_and_migrate(&settings).await?;
    let report = seed::seed(&db, options).await.map_err(|e| SettingError::new("seed", e))?;
    if report.created {
        println!(
            "Seeded {} products ({} variants) in {:.1} s",
            report.products,
            report.variants,
            report.elapsed.as_secs_f64()
        );
    } else {
        println!("The catalog already has {} products: nothing to do", report.products);
    }
    Ok(())
}

/// Builds the read model and search index from the database (proving they build, and timing it), then
/// appends a change to the feed so that every running node rebuilds its own within its poll interval.
async fn reindex() -> Result<(), SettingError> {
    let settings = Settings::load()?;
    let db = db::connect_and_migrate(&settings).await?;
    let started = std::time::Instant::now();
    let snapshot = Snapshot::load(&db).await.map_err(|e| SettingError::new("reindex", e))?;
    let elapsed = started.elapsed();
    record_change(&db, None, "reindex").await.map_err(|e| SettingError::new("reindex", e))?;
    println!(
        "Indexed {} products in {:.2} s; running stores reload within {} ms",
        snapshot.products.len(),
        elapsed.as_secs_f64(),
        settings.catalog_refresh.as_millis()
    );
    Ok(())
}

async fn add_promo(promo: NewPromo) -> Result<(), SettingError> {
    let settings = Settings::load()?;
    let db = db::connect_and_migrate(&settings).await?;
    let actor = storefront::server::services::audit::Actor::command_line();
    let row = promos::create(&db, &actor, &promo).await.map_err(|e| SettingError::new("promo", e))?;
    println!("Created {}: {}", row.code, promos::discount(&row));
    Ok(())
}

async fn create_admin(email: &str) -> Result<(), SettingError> {
    use storefront::server::services::accounts::{Promoted, make_admin};
    let settings = Settings::load()?;
    let db = db::connect_and_migrate(&settings).await?;
    match make_admin(&db, email).await.map_err(|e| SettingError::new("create-admin", e))? {
        Promoted::Now => println!("{} is now an admin", email.trim().to_lowercase()),
        Promoted::Already => println!("{} is already an admin", email.trim().to_lowercase()),
    }
    Ok(())
}

/// Runs one round of a background job now and says what it did. Safe beside running nodes: each job's
/// changes are conditional (two nodes, or a node and this command, do each change once) and pruning
/// holds its lease.
async fn run_job(job: Job) -> Result<(), SettingError> {
    let settings = Settings::load()?;
    let db = db::connect_and_migrate(&settings).await?;
    let payments = Payments::from_settings(&settings);
    let failed = |name: &'static str| move |err: storefront::error::AppError| SettingError::new(name, err);
    let node = jobs::node_name("cli");
    match job {
        Job::ExpireHolds => match jobs::expire_holds(&db, &payments, &node).await.map_err(failed("expire-holds"))? {
            Some(cancelled) => {
                println!("Cancelled {cancelled} orders whose payment hold ran out (their stock is back)")
            }
            None => println!("Another node is expiring holds now: nothing done"),
        },
        Job::SweepPayments => match jobs::sweep(&db, &payments, &node).await.map_err(failed("sweep-payments"))? {
            Some((revived, refunded)) => {
                println!("Settled late payments: {revived} orders revived, {refunded} refunded")
            }
            None => println!("Another node is sweeping payments now: nothing done"),
        },
        Job::Prune => match jobs::cleanup(&db, &node, chrono::Utc::now()).await.map_err(failed("prune"))? {
            Some(cleaned) => {
                let p = cleaned.pruned;
                println!(
                    "Pruned {} idempotency keys, {} webhook events, {} sent mails, {} sandbox rows, {} sessions and links, \
                         {} idle carts, {} catalog changes",
                    p.idempotency_keys,
                    p.webhook_events,
                    p.mails,
                    p.sandbox_rows,
                    p.account_rows,
                    cleaned.idle_carts,
                    cleaned.catalog_changes
                );
            }
            None => println!("Another node is pruning now: nothing done"),
        },
    }
    Ok(())
}

/// Prints the reconciliation (a table and a summary, or JSON); exit 1 while drift is left, 0 when none
/// (after `--apply`: the holds a repair cannot fix still count).
async fn reconcile_inventory(apply: bool, json: bool) -> ExitCode {
    let outcome = async {
        let settings = Settings::load()?;
        let db = db::connect_and_migrate(&settings).await?;
        let found = if apply { reconcile::repair(&db).await } else { reconcile::check(&db).await };
        found.map_err(|e| SettingError::new("reconcile-inventory", e))
    };
    match outcome.await {
        Ok(found) => {
            if json {
                println!("{}", found.to_json());
            } else {
                print!("{}", found.to_text());
            }
            if found.has_drift() { ExitCode::FAILURE } else { ExitCode::SUCCESS }
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}
