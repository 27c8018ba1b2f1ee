//! `twinshare`: parses the command line, runs it (the library does the work), prints the result
//! as text or JSON, and turns errors into a message that says what to do next and exit code 1.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use twinshare_cli::cli::Cli;
use twinshare_cli::output::OutputMode;

fn init_logs(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,twinshare_cli=info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logs(cli.global.verbose);
    let mode = cli.global.output;
    match twinshare_cli::run(&cli).await.map_err(anyhow::Error::from) {
        Ok(outcome) => {
            let text = outcome.render(mode);
            if !text.is_empty() {
                println!("{text}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let message = format!("{e:#}");
            if mode == OutputMode::Json {
                println!("{}", serde_json::json!({ "error": message }));
            }
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
