//! The command line: `serve`, `migrate`, `import`, `credit-run`, `exposure`, `explain`,
//! `rules`, `report`, `token`.

use std::net::TcpListener;

use clap::{Parser, Subcommand};

use crate::auth::Role;
use crate::clock::Clock as _;
use crate::config::{DatabaseSettings, JwtSettings, ServeSettings};
use crate::db::Db;
use crate::startup::Application;

#[derive(Parser, Debug)]
#[command(
    name = "sla-ledger",
    version,
    about = "Turns incident windows into SLA uptime figures and account credits.",
    after_help = "Settings come from flags or SLA_* environment variables; see README.md.\n\
                  How every figure is computed: docs/calculation.md."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Apply pending migrations (unless --no-migrate) and serve the HTTP API.
    Serve {
        #[command(flatten)]
        db: DatabaseSettings,
        #[command(flatten)]
        jwt: JwtSettings,
        #[command(flatten)]
        serve: ServeSettings,
    },
    /// Apply pending migrations and say which.
    Migrate {
        #[command(flatten)]
        db: DatabaseSettings,
    },
    /// Import incidents from elsewhere.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Run credits for a billing period (see SPEC §6): works the run here, with a progress bar on
    /// a terminal, and prints the run as it ended (--dry-run: what a run would do).
    CreditRun {
        /// The billing period, YYYY-MM.
        #[arg(long)]
        period: String,
        /// Evaluate and summarise; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Who the audit log names as the starter of the run.
        #[arg(long, default_value = "cli")]
        actor: String,
        #[command(flatten)]
        db: DatabaseSettings,
    },
    /// What is owed so far while a month still burns (SPEC §9.1): every subscription a window
    /// counts for, largest amount first, with its budget and next-tier headroom, and totals per
    /// currency; JSON as `GET /v1/exposure` answers it, on one page.
    Exposure {
        /// The billing period, YYYY-MM [default: each plan's current month].
        #[arg(long)]
        period: Option<String>,
        /// Only subscriptions with impacted time on this component.
        #[arg(long)]
        component: Option<String>,
        /// Only subscriptions a window of this incident counts for.
        #[arg(long)]
        incident: Option<i64>,
        /// Only subscriptions of this plan.
        #[arg(long)]
        plan: Option<String>,
        /// Only subscriptions of the customer with this external id.
        #[arg(long)]
        customer: Option<String>,
        #[command(flatten)]
        db: DatabaseSettings,
    },
    /// Why a credit is what it is (SPEC §9.4): its statement as it stands now, step by step,
    /// with sentences to paste to a customer; JSON as `GET /v1/credits/{id}/explanation`.
    Explain {
        /// The credit's id.
        #[arg(long)]
        credit: i64,
        #[command(flatten)]
        db: DatabaseSettings,
    },
    /// Ingest rules: how notifications from monitoring become impact windows (docs/ingest.md).
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Write a monthly report to standard output.
    Report {
        #[arg(value_enum)]
        report: ReportKind,
        /// The billing period, YYYY-MM.
        #[arg(long)]
        period: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: ReportFormat,
        /// credits: comma-separated statuses to include [default: the statuses that count,
        /// pending,approved,applied].
        #[arg(long)]
        status: Option<String>,
        /// credits: only approved credits, shaped for a billing system's balance import.
        #[arg(long)]
        balance: bool,
        /// uptime: the IANA time zone of the period.
        #[arg(long, default_value = "UTC")]
        timezone: String,
        #[command(flatten)]
        db: DatabaseSettings,
    },
    /// Mint an HS256 token with the configured secret, for operators and for trying the API.
    Token {
        /// The token's subject: who the audit log will name.
        #[arg(long)]
        sub: String,
        /// viewer, reporter, support, billing or admin.
        #[arg(long)]
        role: Role,
        /// How long the token lives, e.g. 30m, 1h, 7d.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: std::time::Duration,
        /// Print a console sign-in link instead: it works once, within 10 minutes, and signs
        /// the person in with such a token (kept in the database until then).
        #[arg(long)]
        link: bool,
        /// Where the console is, for --link.
        #[arg(
            long,
            env = "SLA_CONSOLE_URL",
            default_value = "http://127.0.0.1:8080/console/"
        )]
        console_url: String,
        #[command(flatten)]
        jwt: JwtSettings,
        #[command(flatten)]
        db: DatabaseSettings,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum ReportKind {
    Credits,
    Statements,
    Uptime,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum ReportFormat {
    Csv,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Every rule, oldest (tried first) first, as JSON.
    List {
        #[command(flatten)]
        db: DatabaseSettings,
    },
    /// Add a rule; prints it as JSON.
    Add {
        /// alertmanager or pagerduty.
        #[arg(long)]
        source: String,
        /// The label whose value is the component's key (or give --component).
        #[arg(long)]
        component_label: Option<String>,
        /// One component for every notification the rule matches.
        #[arg(long)]
        component: Option<String>,
        /// The label whose value says the severity.
        #[arg(long)]
        severity_label: String,
        /// A label value and the severity it maps to, e.g. critical=major_outage; repeat it.
        #[arg(long = "severity", value_name = "VALUE=SEVERITY", required = true)]
        severities: Vec<String>,
        /// The label whose value is the one region the window is limited to.
        #[arg(long)]
        region_label: Option<String>,
        /// The label whose value is the one customer (external id) the window is limited to.
        #[arg(long)]
        customer_label: Option<String>,
        /// Who the audit log names.
        #[arg(long, default_value = "cli")]
        actor: String,
        #[command(flatten)]
        db: DatabaseSettings,
    },
    /// Delete a rule; windows it opened stay.
    Delete {
        /// The rule's id.
        id: i64,
        /// Who the audit log names.
        #[arg(long, default_value = "cli")]
        actor: String,
        #[command(flatten)]
        db: DatabaseSettings,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Import a status page's incidents.json (see tests/fixtures/README.md for the rules).
    Statuspage {
        /// The document to import.
        file: std::path::PathBuf,
        /// Comma-separated regions that scope every imported window, e.g. `na`.
        #[arg(long)]
        regions: Option<String>,
        /// Create components the document names but the service does not know.
        #[arg(long)]
        create_components: bool,
        /// Show what would be written; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Who the audit log names as the importer.
        #[arg(long, default_value = "cli")]
        actor: String,
        #[command(flatten)]
        db: DatabaseSettings,
    },
}

impl clap::ValueEnum for Role {
    fn value_variants<'a>() -> &'a [Role] {
        &Role::ALL
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

/// `sla-ledger rules …`: what `/v1/ingest/rules` does, as an admin named `--actor`.
fn rules(command: RulesCommand) -> Result<(), String> {
    use crate::api::ingest::{add_rule, all_rules, remove_rule};
    use crate::api::{ApiError, Changed};
    let printed = |body: &serde_json::Value| {
        serde_json::to_string_pretty(body)
            .map(|text| println!("{text}"))
            .map_err(|e| e.to_string())
    };
    // One change in one transaction, audited.
    let change =
        |db: &Db,
         actor: String,
         f: &dyn Fn(&mut crate::db::DbConnection, i64) -> Result<Changed, ApiError>| {
            let caller = crate::auth::Caller::local(actor, Role::Admin);
            let now = crate::clock::SystemClock.now();
            db.transaction(|conn| -> Result<serde_json::Value, ApiError> {
                let changed = f(conn, now)?;
                crate::db::audit::record_all(conn, &caller, now, &changed.audit)?;
                Ok(changed.body)
            })
            .map_err(|e| e.to_string())
        };
    match command {
        RulesCommand::List { db } => {
            let db = migrated(&db)?;
            let mut conn = db.conn().map_err(|e| e.to_string())?;
            printed(&all_rules(&mut conn).map_err(|e| e.to_string())?)
        }
        RulesCommand::Add {
            source,
            component_label,
            component,
            severity_label,
            severities,
            region_label,
            customer_label,
            actor,
            db,
        } => {
            let mut map = std::collections::BTreeMap::new();
            for pair in &severities {
                let (value, severity) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("--severity {pair}: give VALUE=SEVERITY"))?;
                let severity = severity
                    .parse::<crate::engine::Severity>()
                    .map_err(|e| format!("--severity {pair}: {e}"))?;
                map.insert(value.to_owned(), severity);
            }
            let rule = crate::ingest::rules::RuleInput {
                source,
                component_label,
                component,
                severity_label,
                severities: map,
                region_label,
                customer_label,
            }
            .check()
            .map_err(|e| format!("--{}: {}", e.field.replace('_', "-"), e.reason))?;
            let db = migrated(&db)?;
            printed(&change(&db, actor, &|conn, now| {
                add_rule(conn, &rule, now)
            })?)
        }
        RulesCommand::Delete { id, actor, db } => {
            let db = migrated(&db)?;
            printed(&change(&db, actor, &|conn, _| remove_rule(conn, id))?)
        }
    }
}

/// How long a console sign-in link works.
const LINK_SECONDS: i64 = 10 * 60;

/// Runs a command; the error is the message to print.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve { db, jwt, serve } => serve_api(&db, &jwt, &serve),
        Command::Migrate { db } => {
            let db = connect(&db)?;
            let applied = db.migrate().map_err(|e| e.to_string())?;
            if applied.is_empty() {
                println!("no pending migrations");
            }
            for name in applied {
                println!("applied {name}");
            }
            Ok(())
        }
        Command::Import(ImportCommand::Statuspage {
            file,
            regions,
            create_components,
            dry_run,
            actor,
            db,
        }) => {
            let bytes =
                std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let doc = crate::import::statuspage::parse(&bytes)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            drop(bytes); // the document owns what it keeps
            let options = crate::import::apply::Options::parse(
                create_components,
                regions.as_deref(),
                dry_run,
            )
            .map_err(|e| e.to_string())?;
            let db = migrated(&db)?;
            let caller = crate::auth::Caller::local(actor, Role::Admin);
            let now = crate::clock::SystemClock.now();
            let summary = crate::import::apply::run(&db, &doc, &options, &caller, now)
                .map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Command::CreditRun {
            period,
            dry_run,
            actor,
            db,
        } => {
            let period =
                crate::domain::parse_period("--period", &period).map_err(|e| e.to_string())?;
            let db = migrated(&db)?;
            let caller = crate::auth::Caller::local(actor, Role::Billing);
            let shown = if dry_run {
                let now = crate::clock::SystemClock.now();
                let mut conn = db.conn().map_err(|e| e.to_string())?;
                let summary =
                    crate::ledger::run::preview(&mut conn, period, now, &caller, Some(&db))
                        .map_err(|e| e.to_string())?;
                serde_json::to_string_pretty(&summary)
            } else {
                serde_json::to_string_pretty(&credit_run(&db, period, &caller)?)
            };
            println!("{}", shown.map_err(|e| e.to_string())?);
            Ok(())
        }
        Command::Exposure {
            period,
            component,
            incident,
            plan,
            customer,
            db,
        } => {
            let query = crate::api::exposure::ExposureQuery {
                period,
                component,
                incident,
                plan,
                customer,
            };
            let db = migrated(&db)?;
            let mut conn = db.conn().map_err(|e| e.to_string())?;
            let now = crate::clock::SystemClock.now();
            let body = crate::api::exposure::everything(&mut conn, &query, now)
                .map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::to_string_pretty(&body).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Command::Explain { credit, db } => {
            let db = migrated(&db)?;
            let mut conn = db.conn().map_err(|e| e.to_string())?;
            let now = crate::clock::SystemClock.now();
            let body = crate::api::explanations::credit_explanation(&mut conn, credit, now)
                .map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::to_string_pretty(&body).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Command::Rules(command) => rules(command),
        Command::Report {
            report,
            period,
            format,
            status,
            balance,
            timezone,
            db,
        } => {
            use crate::export::{Format, reports};
            let period =
                crate::domain::parse_period("--period", &period).map_err(|e| e.to_string())?;
            let format = match format {
                ReportFormat::Csv => Format::Csv,
                ReportFormat::Json => Format::Json,
            };
            let db = migrated(&db)?;
            let out = std::io::BufWriter::new(std::io::stdout().lock());
            let now = crate::clock::SystemClock.now();
            match report {
                ReportKind::Credits => {
                    let statuses =
                        crate::domain::credit::parse_statuses("--status", status.as_deref())
                            .map_err(|e| e.to_string())?;
                    reports::credits(&db, period, &statuses, balance, format, out)
                }
                ReportKind::Statements => reports::statements(&db, period, now, format, out),
                ReportKind::Uptime => {
                    let tz = timezone
                        .parse::<chrono_tz::Tz>()
                        .map_err(|_| format!("--timezone {timezone}: not an IANA time zone"))?;
                    reports::uptime(&db, period, tz, now, format, out)
                }
            }
            .map_err(|e| e.to_string())
        }
        Command::Token {
            sub,
            role,
            ttl,
            link,
            console_url,
            jwt,
            db,
        } => {
            let keys = jwt.keys()?;
            let ttl = i64::try_from(ttl.as_secs()).map_err(|_| "--ttl is too long".to_owned())?;
            // A token that cannot be minted is refused now, not when the link is used.
            let token = keys.mint(&sub, role, ttl)?;
            if !link {
                println!("{token}");
                return Ok(());
            }
            let code = format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            );
            let now = crate::clock::SystemClock.now();
            let db = migrated(&db)?;
            db.transaction(|conn| -> Result<(), crate::db::DbError> {
                crate::db::sign_in::insert(
                    conn,
                    &code,
                    &sub,
                    &role.to_string(),
                    ttl,
                    now,
                    now + LINK_SECONDS,
                )?;
                Ok(())
            })
            .map_err(|e| e.to_string())?;
            println!("{console_url}#link={code}");
            Ok(())
        }
    }
}

/// Starts a credit run and works it here, with a progress bar on a terminal; the run as it ended.
fn credit_run(
    db: &Db,
    period: crate::domain::Period,
    caller: &crate::auth::Caller,
) -> Result<crate::ledger::jobs::RunView, String> {
    use crate::ledger::jobs::{self, Board, RunView};
    use crate::ledger::run::PAGE;
    let clock = crate::clock::SystemClock;
    let board = Board::default();
    jobs::reap(db, &board, clock.now()).map_err(|e| e.to_string())?;
    let run = db
        .transaction(|conn| {
            jobs::start(conn, period, clock.now(), caller).map_err(crate::api::ApiError::from)
        })
        .map_err(|e| e.to_string())?;
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(u64::try_from(run.progress_total).unwrap_or(0)),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:40}] {pos}/{len} subscriptions, {elapsed}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(format!("credit run {} of {period}", run.id));
    let worked = std::thread::scope(|scope| {
        let worker = scope.spawn(|| jobs::work(db, &clock, &board, PAGE, run.id, caller));
        while !worker.is_finished() {
            bar.set_position(board.done(run.id).map_or(0, |d| d as u64));
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        worker.join()
    });
    bar.finish_and_clear();
    match worked {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(format!("credit run {} failed: {e}", run.id)),
        Err(_) => return Err(format!("credit run {} stopped unexpectedly", run.id)),
    }
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let ended = crate::db::credit_runs::find(&mut conn, run.id).map_err(|e| e.to_string())?;
    ended
        .map(|r| RunView::new(r, &board))
        .ok_or_else(|| format!("credit run {} is gone", run.id))
}

fn migrated(settings: &DatabaseSettings) -> Result<Db, String> {
    let db = connect(settings)?;
    if !db.is_migrated().map_err(|e| e.to_string())? {
        return Err("the database is not migrated: run `sla-ledger migrate` first".into());
    }
    Ok(db)
}

fn connect(settings: &DatabaseSettings) -> Result<Db, String> {
    Db::open(&settings.database_url, &settings.pool()).map_err(|e| e.to_string())
}

fn serve_api(
    db: &DatabaseSettings,
    jwt: &JwtSettings,
    serve: &ServeSettings,
) -> Result<(), String> {
    let keys = jwt.keys()?;
    let store = connect(db)?;
    if !serve.no_migrate {
        for name in store.migrate().map_err(|e| e.to_string())? {
            tracing::info!(migration = %name, "applied migration");
        }
    }
    let listener = TcpListener::bind(&serve.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", serve.bind))?;
    tracing::info!(address = %serve.bind, "serving");
    actix_web::rt::System::new().block_on(async {
        Application::build(listener, store, keys, serve)
            .map_err(|e| e.to_string())?
            .run()
            .await
            .map_err(|e| e.to_string())
    })?;
    tracing::info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
