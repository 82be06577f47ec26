//! `jgt parse`: loads and renders the whole project and writes
//! `target/manifest.json`, touching no database and building nothing.

use std::time::Instant;

use anyhow::Result;
use jgt_compile::artifacts::{write_manifest, Invocation};
use jgt_graph::NodeKind;

use crate::cli::{Common, Selection};

/// Parses the project; prints what it holds and where the manifest went.
pub fn parse(common: &Common, invocation: &Invocation) -> Result<bool> {
    let started = Instant::now();
    let project = crate::profile::load_project(common)?;
    let database = crate::commands::project_database(common, &project);
    // No database is read: `is_incremental()` renders as on a first run.
    let (compiled, _) = crate::commands::load_with(
        common,
        &Selection::default(),
        project,
        database,
        jgt_core::Existing::default(),
        invocation.run_info(jgt_render::Flags {
            which: "parse".into(),
            ..Default::default()
        }),
    )?;
    write_manifest(&compiled, invocation)?;
    let count = |kind: NodeKind| {
        // Every node, whatever a default selector would pick.
        compiled
            .dag
            .order()
            .iter()
            .filter(|id| compiled.node(**id).kind == kind)
            .count()
    };
    outln!(
        "Found {} models, {} seeds, {} data tests, {} sources, {} macros",
        count(NodeKind::Model),
        count(NodeKind::Seed),
        count(NodeKind::Test),
        count(NodeKind::Source),
        compiled.project.macros.len(),
    );
    outln!(
        "Wrote {} in {:.2}s",
        compiled
            .project
            .target_dir()
            .join("manifest.json")
            .display(),
        started.elapsed().as_secs_f64()
    );
    Ok(true)
}
