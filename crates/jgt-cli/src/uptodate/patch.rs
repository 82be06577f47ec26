//! Patching the last run when only models' SQL changed.
//!
//! The record's stamps say which project files changed since it was
//! written. When every one of them is a model with a memo, those models
//! are rendered again (with the project's macros, vars and target, and
//! the relations their memos name: see [`jgt_compile::patch`]). When each
//! one's refs, sources, configs and macros are as before, the run's
//! printed lines are still right, and of its outputs only the models'
//! compiled SQL and manifest entries change: those are rewritten, and
//! the record renewed. Anything else (a new or deleted file, an edited
//! YAML or macro file, a model whose shape changed, a render error) and
//! the project is compiled as usual, which also reports any error.

use std::path::PathBuf;

use jgt_compile::artifacts::Invocation;
use jgt_compile::patch::{Memo, Redone};
use jgt_compile::CompileOptions;

use super::{file_identity, files, Inputs, Record, VOLATILE};
use crate::cli::Common;

impl Inputs {
    /// Patches the last run of this command line when only models' SQL
    /// changed since (see the module's notes); prints what it printed.
    /// Returns whether it did.
    pub(crate) fn patch(&self, common: &Common, invocation: &Invocation) -> bool {
        let Some(mut record) = self.last_record() else {
            return false;
        };
        if record.head != self.head
            || record.memos.is_none()
            || record.memos != file_identity(&self.memos_path())
            || record.stamps != file_identity(&self.files_path())
            || !record.still_valid()
        {
            return false;
        }
        let Some(edits) = self.edits(&record) else {
            return false;
        };
        let Some(redone) = render_again(common, &edits) else {
            return false;
        };
        if !write_outputs(common, &mut record, &redone) {
            return false;
        }
        let manifest = record.manifest.0.clone();
        if !matches!(
            jgt_compile::patch::patch_manifest(&manifest, &redone, invocation),
            Ok(true)
        ) {
            return false;
        }
        record.print();
        record.manifest.1 = file_identity(&manifest);
        record.fingerprint = self.trusted_fingerprint();
        record.stamps = self.write_stamps();
        self.write(&record);
        true
    }

    /// The models changed since `record` with their memos and new texts;
    /// `None` when anything else changed, or a model's text now reads the
    /// clock or an environment variable the record did not look at.
    pub(super) fn edits(&self, record: &Record) -> Option<Vec<(Memo, String)>> {
        let changed = files::changed(&self.files_path(), &self.files)?;
        let relative: Vec<PathBuf> = changed
            .iter()
            .map(|p| p.strip_prefix(&self.root).map(PathBuf::from).ok())
            .collect::<Option<_>>()?;
        let memos = files::read_memos(&self.memos_path(), &relative)?;
        let mut edits = Vec::with_capacity(memos.len());
        let call = memchr::memmem::Finder::new(super::ENV_VAR);
        for (memo, path) in memos.into_iter().zip(&changed) {
            let text = std::fs::read_to_string(path).ok()?;
            if VOLATILE.iter().any(|word| text.contains(word))
                || !super::env_names_in(&text, &call)?
                    .iter()
                    .all(|name| record.env_names.contains(name))
            {
                return None;
            }
            edits.push((memo, text));
        }
        Some(edits)
    }
}

/// Renders the edited models again with the project's templates.
pub(super) fn render_again(common: &Common, edits: &[(Memo, String)]) -> Option<Vec<Redone>> {
    if edits.is_empty() {
        return Some(Vec::new());
    }
    let project = crate::profile::load_templates(common).ok()?;
    let options = CompileOptions {
        database: crate::profile::database(common, &project),
        vars: common.vars.as_deref(),
        threads: crate::profile::threads(common, &project),
        existing: jgt_core::Existing::default(),
        full_refresh: common.full_refresh,
        dialect: crate::profile::dialect(&project),
        run: jgt_render::RunInfo::default(),
        early_files: false,
    };
    if options.dialect.adapter_type() != "duckdb" {
        return None;
    }
    jgt_compile::patch::render_again(&project, &options, edits)
}

/// Rewrites the compiled SQL of the redone models the run wrote, and
/// their sizes in `record`. `false` when a write fails.
pub(super) fn write_outputs(common: &Common, record: &mut Record, redone: &[Redone]) -> bool {
    for one in redone {
        let path = common.project_dir.join(&one.compiled_path);
        let Some(output) = record.outputs.iter_mut().find(|(p, _)| *p == path) else {
            continue;
        };
        if jgt_compile::atomic::write_bytes(&path, one.sql.as_bytes()).is_err() {
            return false;
        }
        output.1 = one.sql.len() as u64;
    }
    true
}
