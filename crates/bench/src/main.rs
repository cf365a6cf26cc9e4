//! `tweetchat-bench`: a load generator that speaks the real tweetchat protocol.
//!
//! One run: register poster and host accounts over HTTP, create a series and a session and
//! start it; open N websocket participants (the first K sign in as posters, the rest are
//! anonymous viewers); post at a fixed total rate for a fixed time; wait until everyone has
//! everything (or a drain timeout); report delivery, ordering, latency, connect time and,
//! given the server's PID, its memory. The definitions of every figure are in [`report`].
//!
//! # Layout
//! - [`cli`]: arguments and their validation into a [`cli::Plan`].
//! - [`setup`]: the HTTP API calls that prepare a live session.
//! - [`participant`]: one websocket connection (connect, read, post on schedule).
//! - [`wire`]: frames the bench writes, the cheap projection it reads hot frames with, and the
//!   send-time stamp carried in post texts.
//! - [`seq`]: per-participant stream accounting (duplicates, out of order, gaps, lost).
//! - [`stats`]: per-participant HdrHistograms and merging them.
//! - [`system`]: RLIMIT_NOFILE and the server's /proc status.
//! - [`archive`]: the archive benchmark (`archive` subcommand): generator and timed reads.
//! - [`run`]: the phases of a run. [`report`]: aggregation and printing.
//!
//! # Running
//! ```text
//! # The server must accept the posting rate: each poster posts rate/posters per second, so
//! # start it with e.g. --post-rate-per-minute 600 for 10 posts/s per poster.
//! cargo run --release -p tweetchat-bench -- run --url http://127.0.0.1:8080 \
//!     --participants 5000 --posters 50 --rate 100 --seconds 30 --warmup-seconds 5 \
//!     --server-pid "$(pgrep -n tweetchat-server)"
//! # Several instances sharing one database: setup goes to --url, websockets round-robin.
//! cargo run --release -p tweetchat-bench -- run --url http://127.0.0.1:8080 \
//!     --instances http://127.0.0.1:8080,http://127.0.0.1:8081 --participants 2000 --posters 20 --rate 50 --seconds 20
//! ```
//! Add `--json` for one JSON object on stdout; progress goes to stderr. Exit status: 0 after a
//! report, 1 if the run could not happen (bad arguments, server unreachable, setup refused;
//! the HTTP error body is printed), 3 with `--strict` if anything was lost, duplicated, out of
//! order, or a connection failed or dropped.

// This is a command-line tool whose output *is* its product: the report goes to stdout.
#![allow(clippy::print_stdout)]

mod archive;
mod cli;
#[cfg(test)]
mod fake_server;
mod participant;
mod report;
mod run;
mod seq;
mod setup;
mod stats;
mod system;
mod wire;

use clap::Parser as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match cli::Cli::parse().command {
        cli::Command::Run(args) => args,
        cli::Command::Archive(args) => return archive_main(&args),
    };
    let plan = match args.plan() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(1);
        }
    };

    match system::raise_nofile_limit() {
        Ok(limit) if (limit as usize) < plan.participants + 64 => {
            eprintln!(
                "warning: the file-descriptor limit is {limit}, too few for {} connections (raise the hard limit: ulimit -Hn)",
                plan.participants
            );
        }
        Ok(_) => {}
        Err(e) => eprintln!("warning: could not raise the file-descriptor limit: {e:#}"),
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the tokio runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let inputs = match runtime.block_on(run::run(&plan)) {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(1);
        }
    };
    // Participants have all finished; do not wait for lingering sockets.
    runtime.shutdown_background();

    let report = report::build(inputs);
    if args.json {
        match serde_json::to_string(&report) {
            Ok(json) => {
                println!("{json}");
                for hint in report::hints(&report) {
                    eprintln!("hint: {hint}");
                }
            }
            Err(e) => {
                eprintln!("error: serialising the report: {e}");
                return ExitCode::from(1);
            }
        }
    } else {
        print!("{}", report::render(&report));
    }
    if args.strict && report.has_failures() {
        return ExitCode::from(3);
    }
    ExitCode::SUCCESS
}

fn archive_main(args: &archive::ArchiveArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the tokio runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(archive::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
