//! Logs, on standard error. `SLA_LOG` takes a tracing filter such as `info` or
//! `sla_ledger=debug,info`; `SLA_LOG_FORMAT` is `text` (the default, coloured only on a terminal)
//! or `json` (one object a line, with the request's id and route, for log shippers).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

pub fn init() -> Result<(), String> {
    let filter = EnvFilter::try_from_env("SLA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests) is harmless: the first subscriber stays.
    let _ = match std::env::var("SLA_LOG_FORMAT").as_deref() {
        Err(_) | Ok("text") => logs.with_ansi(std::io::stderr().is_terminal()).try_init(),
        Ok("json") => logs.json().try_init(),
        Ok(other) => return Err(format!("SLA_LOG_FORMAT={other}: use `text` or `json`")),
    };
    Ok(())
}
