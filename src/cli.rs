//! The command line: `serve`, `migrate`, `token`.

use std::net::TcpListener;

use clap::{Parser, Subcommand};

use crate::auth::Role;
use crate::config::{DatabaseSettings, JwtSettings, ServeSettings};
use crate::db::Db;
use crate::startup::Application;

#[derive(Parser, Debug)]
#[command(
    name = "sla-ledger",
    version,
    about = "Turns incident windows into SLA uptime figures and account credits.",
    after_help = "Settings come from flags or SLA_* environment variables; see README.md."
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
        #[command(flatten)]
        jwt: JwtSettings,
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
        Command::Token {
            sub,
            role,
            ttl,
            jwt,
        } => {
            let keys = jwt.keys()?;
            let ttl = i64::try_from(ttl.as_secs()).map_err(|_| "--ttl is too long".to_owned())?;
            println!("{}", keys.mint(&sub, role, ttl)?);
            Ok(())
        }
    }
}

fn connect(settings: &DatabaseSettings) -> Result<Db, String> {
    Db::connect(&settings.database_url, settings.pool_size).map_err(|e| e.to_string())
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
        Application::build(listener, store, keys, serve.body_limit, serve.workers)
            .map_err(|e| e.to_string())?
            .run()
            .await
            .map_err(|e| e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
