//! `target/manifest.json`: every node's entry in dbt's key order,
//! serialised in waves over the cores and written as it is made.

use std::collections::BTreeMap;

use jgt_graph::{NodeId, NodeKind};

use super::{entry_of, macro_entries, unique_id, unit, Ids, Invocation, Result, MANIFEST_SCHEMA};
use super::{MacroEntry, Metadata};
use crate::atomic::Staged;
use crate::compile::{Compiled, CompiledNode};

/// Writes `target/manifest.json` for the whole project.
///
/// Nodes are sorted by unique id (dbt's key order); their entries are
/// then built and serialised a wave at a time, spread over the cores
/// (about two thirds of the work at 10,000 models), and written before
/// the next wave: neither a JSON tree of the manifest nor its whole text
/// is ever in memory. Linear in the nodes and edges, but for the sort
/// (n log n).
pub fn write_manifest(compiled: &Compiled, invocation: &Invocation) -> Result<()> {
    stage_manifest(compiled, invocation)?.commit()
}

/// [`write_manifest`] but for its last step: the manifest is complete
/// beside `target/manifest.json` and put in place by
/// [`Staged::commit`](crate::atomic::Staged::commit).
pub fn stage_manifest(compiled: &Compiled, invocation: &Invocation) -> Result<Staged> {
    let ids: Vec<String> = compiled
        .nodes
        .iter()
        .map(|node| unique_id(compiled, node))
        .collect();
    let order = compiled.dag.order();
    let mut sections: [Vec<NodeId>; 3] = Default::default();
    for &id in order {
        sections[section_of(compiled.node(id)) as usize].push(id);
    }
    for list in &mut sections {
        in_key_order(list, &ids);
    }
    let [nodes, sources, unit_tests] = sections;
    let metadata = Metadata {
        project_name: Some(compiled.project.config.name.clone()),
        adapter_type: Some(compiled.dialect.adapter_type().into()),
        ..invocation.metadata(MANIFEST_SCHEMA)
    };
    let mut empty = EMPTY_SECTIONS;
    empty.sort_unstable();
    let entries =
        |out: &mut dyn std::io::Write, list: &[NodeId]| write_entries(out, compiled, &ids, list);
    let path = compiled.project.target_dir().join("manifest.json");
    std::thread::scope(|scope| {
        // The maps are one thread's serial work: it runs while the node
        // entries are serialised, instead of after them.
        let maps = scope.spawn(|| maps_json(compiled, &ids));
        crate::atomic::stage_file(&path, |out| {
            let json = |out: &mut dyn std::io::Write, value: &dyn erased::Json| value.write(out);
            out.write_all(b"{\"metadata\":")?;
            json(out, &metadata)?;
            out.write_all(b",\"nodes\":")?;
            entries(out, &nodes)?;
            out.write_all(b",\"sources\":")?;
            entries(out, &sources)?;
            match maps.join() {
                Ok(maps) => out.write_all(&maps?)?,
                Err(panic) => std::panic::resume_unwind(panic),
            }
            for key in empty {
                write!(out, ",\"{key}\":")?;
                match key {
                    "unit_tests" => entries(out, &unit_tests)?,
                    _ => out.write_all(b"{}")?,
                }
            }
            out.write_all(b"}")
        })
    })
}

/// `,"macros":{...},"parent_map":{...},"child_map":{...}` of the manifest.
///
/// As in dbt, each list of parents or children is sorted by unique id.
/// The nodes are sorted by unique id once (n log n) and each list by the
/// resulting rank, so no list compares strings. Of nodes sharing a unique
/// id, the last in graph order has the entry, as a map keyed by it would
/// keep. The lists are gathered first, so the buffer is made its exact
/// size and never grown (a copy of some 6 MB at 10,000 models).
fn maps_json(compiled: &Compiled, ids: &[String]) -> std::io::Result<Vec<u8>> {
    use std::io::Write as _;
    let mut keyed: Vec<NodeId> = compiled.dag.order().to_vec();
    keyed.sort_by(|a, b| ids[a.index()].cmp(&ids[b.index()]));
    let mut rank = vec![usize::MAX; ids.len()];
    for (at, id) in keyed.iter().enumerate() {
        rank[id.index()] = at;
    }
    keyed.reverse();
    keyed.dedup_by(|a, b| ids[a.index()] == ids[b.index()]);
    keyed.reverse();
    let sorted = |id: NodeId, up: bool| {
        let mut list = compiled.dag.neighbours_unordered(id, up);
        list.sort_by_key(|n| rank[n.index()]);
        list
    };
    let maps: [Vec<Vec<NodeId>>; 2] =
        [true, false].map(|up| keyed.iter().map(|&id| sorted(id, up)).collect());
    // Each id quoted, with a separator; each key with `:[]` besides.
    let quoted = |id: &NodeId| ids[id.index()].len() + 3;
    let size: usize = 2 * keyed.iter().map(|id| quoted(id) + 3).sum::<usize>()
        + maps.iter().flatten().flatten().map(quoted).sum::<usize>();
    let macros: BTreeMap<String, MacroEntry> = macro_entries(compiled)
        .into_iter()
        .map(|entry| (entry.unique_id.clone(), entry))
        .collect();
    let mut out = Vec::with_capacity(size + 64 * 1024);
    out.write_all(b",\"macros\":")?;
    erased::Json::write(&macros, &mut out)?;
    for (key, lists) in ["parent_map", "child_map"].into_iter().zip(&maps) {
        write!(out, ",\"{key}\":{{")?;
        for (at, (&id, list)) in keyed.iter().zip(lists).enumerate() {
            if at > 0 {
                out.push(b',');
            }
            string(&mut out, &ids[id.index()])?;
            out.extend_from_slice(b":[");
            for (at, n) in list.iter().enumerate() {
                if at > 0 {
                    out.push(b',');
                }
                string(&mut out, &ids[n.index()])?;
            }
            out.push(b']');
        }
        out.push(b'}');
    }
    Ok(out)
}

/// `text` as a JSON string.
fn string(out: &mut Vec<u8>, text: &str) -> std::io::Result<()> {
    serde_json::to_writer(out, text).map_err(std::io::Error::from)
}

/// The manifest sections nodes go in.
#[derive(Debug, Clone, Copy)]
enum Section {
    Nodes = 0,
    Sources = 1,
    UnitTests = 2,
}

/// The section a node's entry goes in.
fn section_of(node: &CompiledNode) -> Section {
    match node.kind {
        NodeKind::Source => Section::Sources,
        NodeKind::UnitTest => Section::UnitTests,
        _ => Section::Nodes,
    }
}

/// Sorts a section's nodes by unique id; of nodes sharing one, the last
/// in graph order stays (as inserting them into a map would keep it).
fn in_key_order(list: &mut Vec<NodeId>, ids: &[String]) {
    let key = |id: &NodeId| ids[id.index()].as_str();
    list.sort_by(|a, b| key(a).cmp(key(b)));
    list.reverse();
    list.dedup_by(|a, b| key(a) == key(b));
    list.reverse();
}

/// How many entries are serialised at once: enough to keep both cores
/// busy, few enough that the manifest is never whole in memory (at
/// 10,000 models it is 42 MB; a wave is about 4 MB).
const WAVE: usize = 2048;

/// `{"<unique id>":<entry>,...}` for `list`, in its order: each wave of
/// entries is serialised over the cores while the wave before it is
/// written.
fn write_entries(
    out: &mut dyn std::io::Write,
    compiled: &Compiled,
    ids: &[String],
    list: &[NodeId],
) -> std::io::Result<()> {
    let serialise = |wave: &[NodeId]| {
        jgt_core::parallel::map(wave, |&id| {
            let mut json = Vec::with_capacity(4096);
            // Serialising plain structs and maps cannot fail.
            let _ = serde_json::to_writer(&mut json, &ids[id.index()]);
            json.push(b':');
            node_json(compiled, ids, id, &mut json);
            json
        })
    };
    out.write_all(b"{")?;
    let mut first = true;
    std::thread::scope(|scope| -> std::io::Result<()> {
        let mut waves = list.chunks(WAVE);
        let mut pending = waves
            .next()
            .map(|wave| scope.spawn(move || serialise(wave)));
        while let Some(handle) = pending.take() {
            pending = waves
                .next()
                .map(|wave| scope.spawn(move || serialise(wave)));
            let jsons = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for json in jsons {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                out.write_all(&json)?;
            }
        }
        Ok(())
    })?;
    out.write_all(b"}")
}

/// A node's manifest entry, serialised onto `json`.
fn node_json(compiled: &Compiled, ids: &[String], id: NodeId, json: &mut Vec<u8>) {
    let node = compiled.node(id);
    let entry = entry_of(compiled, id, Ids::Known(ids));
    // Serialising plain structs and maps with string keys cannot fail.
    let _ = match node.kind {
        NodeKind::UnitTest => serde_json::to_writer(json, &unit::entry(node, entry)),
        _ => serde_json::to_writer(json, &entry),
    };
}

/// Serialising through `&dyn`, for the manifest's mixed sections.
mod erased {
    /// A value that can write itself as compact JSON.
    pub(super) trait Json {
        fn write(&self, out: &mut dyn std::io::Write) -> std::io::Result<()>;
    }

    impl<T: serde::Serialize> Json for T {
        fn write(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
            serde_json::to_writer(out, self).map_err(std::io::Error::from)
        }
    }
}

/// Manifest sections dbt writes that jgt has nothing for.
const EMPTY_SECTIONS: [&str; 11] = [
    "docs",
    "exposures",
    "metrics",
    "groups",
    "selectors",
    "disabled",
    "group_map",
    "saved_queries",
    "semantic_models",
    "unit_tests",
    "functions",
];
