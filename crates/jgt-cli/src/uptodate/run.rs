//! Running a selection again without compiling the whole project.
//!
//! `jgt run -s one_model` on a big project spends nearly all its time
//! rendering models it will not build. When a `run` builds only plain
//! view and table models (no incremental, snapshot, contract, external
//! file, hook, persisted docs, inlined ephemeral model, nor
//! `on-run-start`/`on-run-end`), its record keeps the plan of what it
//! built ([`RunPlan`]): each model's compiled SQL, relation, parents and
//! declared columns.
//! The next run of the same command line, when nothing but models' SQL
//! changed since (the same rule as [`super::patch`], but for the
//! database, which every run changes), renders only the edited models,
//! rewrites their compiled files and manifest entries, and builds the
//! recorded plan with their new SQL. None of those models depends on which
//! relations exist (they are neither incremental nor rendered against
//! the database), so their SQL is what a whole compile would give.

use std::path::PathBuf;

use jgt_compile::artifacts::{Invocation, ResultOf};
use jgt_compile::patch::Redone;
use jgt_compile::Compiled;
use jgt_core::{Hooks, Materialization, PlannedNode, Relation, Storage, Work};
use serde::{Deserialize, Serialize};

use super::{file_identity, Inputs, Record};
use crate::cli::Common;
use crate::warnings::Declared;

/// What a `run` built, to build it again without compiling.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RunPlan {
    /// The threads it built on.
    threads: usize,
    /// Its models, in build order.
    models: Vec<PlannedModel>,
}

/// One model of a [`RunPlan`].
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PlannedModel {
    name: String,
    path: PathBuf,
    compiled_path: PathBuf,
    schema: String,
    identifier: String,
    /// Whether it is a table (else a view).
    table: bool,
    sql: String,
    /// Indices (into the plan) of its parents in the plan.
    parents: Vec<usize>,
    description: Option<String>,
    unique_id: String,
    relation_name: String,
    /// The columns a schema file declares, for the warning about those
    /// the built relation lacks, and that file.
    columns: Vec<String>,
    columns_file: PathBuf,
}

impl RunPlan {
    /// The plan of a finished run of `plan`, when it can be built again
    /// from the record alone (see the module's notes); `hooks` tells
    /// whether `on-run-start` or `on-run-end` ran anything.
    pub(crate) fn of(compiled: &Compiled, plan: &[PlannedNode], hooks: bool) -> Option<RunPlan> {
        if hooks || plan.is_empty() {
            return None;
        }
        let models = plan
            .iter()
            .map(|planned| PlannedModel::of(compiled, planned))
            .collect::<Option<_>>()?;
        Some(RunPlan {
            threads: compiled.target.threads,
            models,
        })
    }

    /// Whether a `run` of `ids` may keep its plan: none of its models is
    /// one [`RunPlan::of`] refuses for what the compile alone tells (the
    /// memos it needs are then made beside the build, not for nothing).
    pub(crate) fn may_record(compiled: &Compiled, ids: &[jgt_graph::NodeId]) -> bool {
        let plain = |id: &jgt_graph::NodeId| {
            let node = compiled.node(*id);
            node.kind != jgt_graph::NodeKind::Model
                || (matches!(
                    node.materialization,
                    Some(Materialization::View | Materialization::Table)
                ) && !node.needs_execution)
        };
        ids.iter().all(plain) && !crate::operation::has_run_hooks(compiled)
    }

    /// The threads to build on.
    pub(crate) fn threads(&self) -> usize {
        self.threads
    }

    /// The runner's plan.
    pub(crate) fn planned(&self) -> Vec<PlannedNode> {
        self.models.iter().map(PlannedModel::planned).collect()
    }

    /// What `run_results.json` tells of each model.
    pub(crate) fn results_of(&self) -> Vec<ResultOf> {
        self.models
            .iter()
            .map(|m| ResultOf {
                unique_id: m.unique_id.clone(),
                compiled_code: Some(m.sql.clone()),
                relation_name: Some(m.relation_name.clone()),
            })
            .collect()
    }

    /// The compiled files the run wrote, with their sizes.
    pub(crate) fn outputs(&self, root: &std::path::Path) -> Vec<(PathBuf, u64)> {
        self.models
            .iter()
            .map(|m| (root.join(&m.compiled_path), m.sql.len() as u64))
            .collect()
    }

    /// The columns each model declares, with `plan` (from
    /// [`planned`](Self::planned)) for their relations.
    pub(crate) fn declared<'a>(&'a self, plan: &'a [PlannedNode]) -> Vec<Declared<'a>> {
        self.models
            .iter()
            .zip(plan)
            .filter(|(m, _)| !m.columns.is_empty())
            .map(|(m, planned)| Declared {
                name: &m.name,
                relation: &planned.relation,
                file: &m.columns_file,
                columns: m.columns.iter().map(String::as_str).collect(),
            })
            .collect()
    }

    /// Gives the edited models their new SQL.
    fn apply(&mut self, redone: &[Redone]) {
        for one in redone {
            if let Some(model) = self
                .models
                .iter_mut()
                .find(|m| m.unique_id == one.unique_id)
            {
                model.sql = one.sql.clone();
            }
        }
    }
}

impl PlannedModel {
    /// `planned` as recorded, when it is a plain view or table model.
    fn of(compiled: &Compiled, planned: &PlannedNode) -> Option<PlannedModel> {
        let Work::Model {
            sql,
            materialization,
            incremental: None,
            contract: None,
            external: None,
            storage,
        } = &planned.work
        else {
            return None;
        };
        let id = compiled.dag.find(&planned.name)?;
        let node = compiled.node(id);
        let plain = storage.is_default()
            && planned.inlined.is_empty()
            && planned.hooks == Hooks::default()
            && !node.needs_execution;
        let table = match materialization {
            Materialization::Table => true,
            Materialization::View => false,
            _ => return None,
        };
        let of = ResultOf::of(compiled, planned);
        plain.then(|| PlannedModel {
            name: planned.name.clone(),
            path: planned.path.clone(),
            compiled_path: planned.compiled_path.clone().unwrap_or_default(),
            schema: planned.relation.schema.clone(),
            identifier: planned.relation.identifier.clone(),
            table,
            sql: sql.clone(),
            parents: planned.parents.clone(),
            description: planned.description.clone(),
            unique_id: of.unique_id,
            relation_name: of.relation_name.unwrap_or_default(),
            columns: node.columns.iter().map(|c| c.name.clone()).collect(),
            columns_file: node
                .properties_path
                .clone()
                .unwrap_or_else(|| node.path.clone()),
        })
    }

    /// The runner's node.
    fn planned(&self) -> PlannedNode {
        PlannedNode {
            name: self.name.clone(),
            path: self.path.clone(),
            compiled_path: Some(self.compiled_path.clone()),
            relation: Relation::new(self.schema.clone(), self.identifier.clone()),
            work: Work::Model {
                sql: self.sql.clone(),
                materialization: match self.table {
                    true => Materialization::Table,
                    false => Materialization::View,
                },
                incremental: None,
                contract: None,
                external: None,
                storage: Storage::default(),
            },
            parents: self.parents.clone(),
            description: self.description.clone(),
            inlined: Vec::new(),
            hooks: Hooks::default(),
        }
    }
}

/// A run to build again from its record: found by [`Inputs::replay_run`],
/// its files put right by [`Replay::write`] once the database is open.
pub(crate) struct Replay {
    record: Record,
    redone: Vec<Redone>,
}

impl Replay {
    /// The plan to build, with the edited models' new SQL.
    pub(crate) fn plan(&self) -> &RunPlan {
        self.record.run.as_ref().expect("a replay has a plan")
    }

    /// Rewrites the edited models' compiled files and manifest entries,
    /// and gives the manifest `invocation`'s id and times. `false` (the
    /// caller then compiles) when the manifest is not as jgt wrote it.
    pub(crate) fn write(&mut self, common: &Common, invocation: &Invocation) -> bool {
        if !super::patch::write_outputs(common, &mut self.record, &self.redone) {
            return false;
        }
        let manifest = self.record.manifest.0.clone();
        let written = match self.redone.is_empty() {
            true => jgt_compile::artifacts::restamp_manifest(&manifest, invocation).ok(),
            false => jgt_compile::patch::patch_manifest(&manifest, &self.redone, invocation).ok(),
        };
        if written != Some(true) {
            return false;
        }
        self.record.manifest.1 = file_identity(&manifest);
        true
    }

    /// The target folder, where the manifest is.
    pub(crate) fn target_dir(&self) -> PathBuf {
        let manifest = &self.record.manifest.0;
        manifest.parent().map(PathBuf::from).unwrap_or_default()
    }

    /// The warnings the run printed while compiling.
    pub(crate) fn warnings(&self) -> &[String] {
        &self.record.warnings
    }
}

impl Inputs {
    /// The last run of this command line, to build again, when it kept a
    /// plan and nothing but models' SQL changed since (their renders of
    /// the same shape as before); with those models rendered again.
    pub(crate) fn replay_run(&self, common: &Common) -> Option<Replay> {
        let record = self.last_record()?;
        let usable = record.run.is_some()
            && record.head == self.head
            && record.memos.is_some()
            && record.memos == file_identity(&self.memos_path())
            && record.stamps == file_identity(&self.files_path())
            && record.written_as_left();
        if !usable {
            return None;
        }
        let redone = match !record.fingerprint.is_empty() && record.fingerprint == self.fingerprint
        {
            true => Vec::new(),
            false => super::patch::render_again(common, &self.edits(&record)?)?,
        };
        let mut replay = Replay { record, redone };
        if let Some(plan) = replay.record.run.as_mut() {
            plan.apply(&replay.redone);
        }
        Some(replay)
    }

    /// Renews the record of a run built again from it: the inputs as they
    /// are now, the plan with its new SQL.
    pub(crate) fn renew_run(&self, mut replay: Replay) {
        replay.record.fingerprint = self.trusted_fingerprint();
        replay.record.stamps = self.write_stamps();
        self.write(&replay.record);
    }
}
