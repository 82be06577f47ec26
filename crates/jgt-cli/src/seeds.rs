//! Reading the seeds' column types while the database opens.
//!
//! Before a seed is loaded, jgt reads its whole file once to give every
//! column dbt's type ([`jgt_core::seed_types`]). Opening a DuckDB file
//! takes some 40 ms and uses one core; on JaffleGaggle that is time
//! enough to read `raw_event.csv` (12 ms) on the other, so its load no
//! longer starts with it.

use std::path::PathBuf;
use std::thread::JoinHandle;

use jgt_core::seed_types::{self, SeedColumn};
use jgt_core::{PlannedNode, Work};
use jgt_graph::NodeKind;
use jgt_project::Project;

/// The most seed bytes read ahead of the build: about 100 ms of reading.
/// A bigger seed is read by the adapter as it loads it, so the other
/// seeds never wait for it.
const AHEAD_BYTES: u64 = 64 << 20;

/// One seed file read ahead: where, with which delimiter, and what it holds.
struct Read {
    csv: PathBuf,
    delimiter: Option<String>,
    columns: Vec<SeedColumn>,
}

/// The seeds being read on a thread of their own.
pub struct Prefetch {
    reading: Option<JoinHandle<Vec<Read>>>,
}

impl Prefetch {
    /// Starts reading the project's seeds, biggest first, when `kinds`
    /// builds seeds; does nothing otherwise.
    pub fn start(project: &Project, kinds: &[NodeKind]) -> Prefetch {
        if !kinds.contains(&NodeKind::Seed) || project.seeds.is_empty() {
            return Prefetch { reading: None };
        }
        let mut files: Vec<(u64, PathBuf, Option<String>)> = project
            .seeds
            .iter()
            .filter_map(|seed| {
                let csv = project.root.join(&seed.path);
                let size = std::fs::metadata(&csv).ok()?.len();
                Some((size, csv, seed.config.delimiter.clone()))
            })
            .collect();
        files.sort_by_key(|f| std::cmp::Reverse(f.0));
        let mut budget = AHEAD_BYTES;
        files.retain(|(size, _, _)| match budget.checked_sub(*size) {
            Some(left) => {
                budget = left;
                true
            }
            None => false,
        });
        let reading = std::thread::Builder::new()
            .name("jgt-seed-types".into())
            .spawn(move || read_all(files))
            .ok();
        Prefetch { reading }
    }

    /// Hands what was read to the plan's seeds, waiting for the reading
    /// to end. A seed planned with another delimiter than it was read
    /// with is left to the adapter (schema files' configs are applied as
    /// the project loads, so this is a guard, not a path taken today).
    pub fn attach(self, plan: &mut [PlannedNode]) {
        // A plan without seeds does not wait; the thread ends on its own.
        if !plan.iter().any(|n| matches!(n.work, Work::Seed { .. })) {
            return;
        }
        let Some(read) = self.reading.and_then(|handle| handle.join().ok()) else {
            return;
        };
        for node in plan {
            let Work::Seed { csv, options } = &mut node.work else {
                continue;
            };
            let found = read
                .iter()
                .find(|r| &r.csv == csv && r.delimiter == options.delimiter);
            if let Some(found) = found {
                options.inferred = Some(found.columns.clone());
            }
        }
    }
}

/// Reads each file; one that does not parse is left out, and the adapter
/// reports its error when it loads it.
fn read_all(files: Vec<(u64, PathBuf, Option<String>)>) -> Vec<Read> {
    files
        .into_iter()
        .filter_map(|(_, csv, delimiter)| {
            let columns = seed_types::infer(&csv, delimiter.as_deref()).ok()?;
            Some(Read {
                csv,
                delimiter,
                columns,
            })
        })
        .collect()
}
