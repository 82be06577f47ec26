//! `jgt-seedgen` owns the JaffleGaggle raw seeds: it deterministically
//! generates `raw_gaggle.csv`, `raw_user.csv` and `raw_event.csv` (823
//! gaggles, 5,781 users and 120,307 events per copy, with the story's planted
//! identity-resolution cases) and writes the two hand-kept merge seeds,
//! `merged_user.csv` and `merged_company_domain.csv`; `--scale N` repeats the
//! data N times with fresh ids and e-mails, and the same arguments always
//! give byte-identical files.

mod check;
mod clock;
mod events;
mod gaggles;
mod model;
mod names;
mod people;
mod plan;
mod planted;
mod rng;
mod write;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{ensure, Context, Result};
use clap::Parser;

/// The default `--seed`: the day the JaffleGaggle story was published.
const DEFAULT_SEED: u64 = 20_220_208;

/// The largest `--scale` (about 600 GB of CSV), so a typo cannot ask for an
/// absurd amount of data.
const MAX_SCALE: u64 = 100_000;

/// Generates the JaffleGaggle seed CSVs.
#[derive(Debug, Parser)]
#[command(name = "jgt-seedgen", version, about)]
struct Args {
    /// How many copies of the 823 gaggles, 5,781 users and 120,307 events.
    #[arg(long, default_value_t = 1)]
    scale: u64,
    /// Seed of the random choices (the same seed gives the same files).
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Directory to write the CSVs into (created if missing).
    #[arg(long, default_value = "seeds")]
    out: PathBuf,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Generates copy 0, then writes `--scale` copies of it into `--out`.
fn run(args: Args) -> Result<()> {
    ensure!(
        args.scale >= 1,
        "--scale must be at least 1 (it multiplies the scale-1 data); got {}",
        args.scale
    );
    ensure!(
        args.scale <= MAX_SCALE,
        "--scale {} is too large (at most {MAX_SCALE})",
        args.scale
    );
    let data = plan::generate(args.seed)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    for written in write::write_all(&data, args.scale, &args.out)? {
        println!(
            "{}: {} rows",
            args.out.join(written.file).display(),
            written.rows
        );
    }
    Ok(())
}
