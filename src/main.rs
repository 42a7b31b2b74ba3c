use clap::Parser;

/// mimalloc: a credit run at a million subscriptions allocates and frees tens of millions of
/// small strings and vectors; glibc's allocator spent about a third of its CPU time on them
/// (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
