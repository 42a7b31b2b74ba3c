use clap::Parser;

fn main() {
    if let Err(message) = sla_ledger::telemetry::init() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
    let cli = sla_ledger::cli::Cli::parse();
    if let Err(message) = sla_ledger::cli::run(cli) {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}
