//! `tessera`: serve the API, apply migrations, print the OpenAPI document.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tessera_server::{settings::Settings, telemetry, Application};

/// Tessera: a self-hostable analytics backend.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, about, long_about = None)]
struct Cli {
    /// A TOML file layered over config/default.toml (environment variables still win).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the HTTP server (applies migrations and creates the demo admin on first start).
    Serve {
        /// Address to listen on, HOST:PORT (default: server.bind, 127.0.0.1:8080).
        #[arg(long, value_name = "HOST:PORT")]
        bind: Option<String>,
    },
    /// Apply pending migrations to the app database and exit.
    Migrate,
    /// Print the OpenAPI 3.1 document as JSON.
    Openapi,
    /// (Re)generate the demo data source (transactions, user_activities, orders over 400 days).
    DemoData {
        /// Transactions to generate; activities are three times as many, orders half.
        #[arg(long, default_value_t = 40_000)]
        rows: u64,
        /// Customers of the demo shop to regenerate (commerce area; 0 leaves it alone).
        #[arg(long, default_value_t = 2_000)]
        customers: usize,
        /// Stores of the demo retail chain to regenerate besides its warehouse (retail area; 0
        /// leaves it alone).
        #[arg(long, default_value_t = 50)]
        stores: usize,
    },
    /// Maintenance of the app database.
    Admin {
        /// What to do.
        #[command(subcommand)]
        action: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Recompute every customer's total spent, running amount statistics and risk from their
    /// transactions (commerce), in batches; idempotent. Prints how many changed.
    RecalculateTotals {
        /// Customers read at a time.
        #[arg(long, default_value_t = 500)]
        batch: i64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    if let Command::Openapi = cli.command {
        println!("{}", tessera_api::openapi_document().to_pretty_json()?);
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(&settings.log);
    match cli.command {
        Command::Openapi => Ok(()),
        Command::Migrate => {
            let pool = tessera_server::connect(&settings)?;
            let applied = tessera_server::migrate(&pool)?;
            println!(
                "{} migration(s) applied on {}",
                applied.len(),
                pool.backend().name()
            );
            Ok(())
        }
        Command::Serve { bind } => serve(settings, bind),
        Command::Admin {
            action: AdminCommand::RecalculateTotals { batch },
        } => {
            let pool = tessera_server::connect(&settings)?;
            tessera_server::migrate(&pool)?;
            let mut conn = pool.get()?;
            let done = tessera_server::bootstrap::recalculate_totals(&mut conn, &settings, batch)?;
            let changed: u64 = done.iter().map(|(_, d)| d.changed).sum();
            for (org, d) in &done {
                println!("{org}: {} customers, {} changed", d.customers, d.changed);
            }
            println!("{changed} customers changed");
            Ok(())
        }
        Command::DemoData {
            rows,
            customers,
            stores,
        } => {
            // the demo source's URL is sealed with the server's key
            let (settings, _) = tessera_server::secrets::resolve(&settings)?;
            let pool = tessera_server::connect(&settings)?;
            tessera_server::migrate(&pool)?;
            let mut conn = pool.get()?;
            tessera_server::bootstrap::ensure_demo_admin(
                &mut conn,
                &settings.bootstrap,
                settings
                    .admin_password
                    .as_ref()
                    .map(tessera_domain::Secret::expose),
                settings.auth.bcrypt_cost,
            )?;
            std::fs::create_dir_all(&settings.sources.sqlite_dir)?;
            match tessera_server::bootstrap::ensure_demo_source(&mut conn, &settings, Some(rows))? {
                Some(s) => println!(
                    "wrote {} transactions, {} user activities and {} orders to {} in {:.1} s",
                    s.transactions,
                    s.user_activities,
                    s.orders,
                    tessera_server::bootstrap::demo_file(&settings).display(),
                    s.seconds
                ),
                None => println!(
                    "demo bootstrap is off (bootstrap.demo = false) or its organisation is gone"
                ),
            }
            if customers > 0 {
                let now = tessera_store::now();
                if let Some(c) = tessera_server::bootstrap::ensure_demo_commerce(
                    &mut conn,
                    &settings,
                    Some(customers),
                    now,
                )? {
                    println!(
                        "wrote the demo shop: {} customers, {} products, {} transactions ({} flagged)",
                        c.customers, c.products, c.transactions, c.flagged
                    );
                }
            }
            if stores > 0 {
                if let Some(c) = tessera_server::bootstrap::ensure_demo_retail(
                    &mut conn,
                    &settings,
                    Some(stores),
                    tessera_store::now(),
                )? {
                    println!(
                        "wrote the demo retail chain: {} stores, {} products, {} staff, {} orders",
                        c.stores, c.products, c.staff, c.orders
                    );
                }
            }
            Ok(())
        }
    }
}

fn serve(settings: Settings, bind: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
    if settings.uses_placeholder_secret() {
        tracing::warn!("using a placeholder secret key (allowed on loopback only); set SECRET_KEY before exposing this server");
    }
    let bind = bind.unwrap_or_else(|| settings.server.bind.clone());
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&settings, &bind)?;
        if let Some(admin) = &app.created_admin {
            match &admin.generated_password {
                Some(password) => println!(
                    "\nCreated the demo organisation and its admin.\n  email:    {}\n  password: {}\nThis password is shown once; change it with PUT /api/v1/users/me.\n",
                    admin.email, password
                ),
                None => println!("\nCreated the demo admin {} with the password from TESSERA_ADMIN_PASSWORD.\n", admin.email),
            }
        }
        let host = bind.rsplit_once(':').map(|(h, _)| h).unwrap_or("127.0.0.1");
        tracing::info!(address = %format!("{host}:{}", app.port()), database = %tessera_store::db::redact_url(&settings.database.url), "tessera listening");
        println!("Tessera listening on http://{host}:{}  (Swagger UI: /docs)", app.port());
        app.run_until_stopped().await?;
        Ok(())
    })
}
