//! Patching the last compile after model files were edited, instead of
//! compiling the whole project again.
//!
//! Saving a model changes its text; most often nothing else about it: it
//! `ref`s the same nodes, sets the same `config()`, calls the same macros.
//! Then the graph, every config, every other node's SQL and every line a
//! command prints are as they were, and of the manifest only the model's
//! own `raw_code`, `compiled_code` and `checksum` change. A [`Memo`] keeps
//! what re-rendering one model needs (its relation, the relations it
//! reads, its materialization before `config()`) and the [`shape`] of its
//! last rendering; [`render_again`] renders edited models against those
//! alone and gives up (the caller compiles everything) as soon as a shape
//! differs, a render fails or anything else is unusual; [`patch_manifest`]
//! then replaces the three values in place of the manifest's entry.
//!
//! Only plain models are memoised: not snapshots, ephemeral models or
//! models reading one, models with a contract, a unit test or a warning of
//! their own, nor any model of a project with versioned models.
//!
//! [`shape`]: jgt_render::Rendered::shape

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jgt_core::{Materialization, Relation};
use jgt_graph::NodeKind;
use jgt_project::Project;
use jgt_render::Catalog;
use serde::{Deserialize, Serialize};

use crate::artifacts::Invocation;
use crate::compile::{CompileOptions, Compiled};

/// A relation as `(schema, identifier)`.
pub type Pair = (String, String);

/// A source table a model reads: source, table, relation, and the SQL of
/// an external location.
pub type SourceRead = (String, String, Pair, Option<String>);

/// What re-rendering one model needs, kept from the last compile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Memo {
    /// The model's file, relative to the project folder.
    pub path: PathBuf,
    /// The model's name.
    pub name: String,
    /// Its package.
    pub package: String,
    /// The relation it builds, as `(schema, identifier)`.
    pub this: Pair,
    /// Its materialization before its own `config()`.
    pub materialized: Option<String>,
    /// Whether its relation existed (for `is_incremental()`).
    pub existed: bool,
    /// The models and seeds it `ref`s: name, package and relation.
    pub refs: Vec<(String, String, Pair)>,
    /// The source tables it reads.
    pub sources: Vec<SourceRead>,
    /// The [`jgt_render::Rendered::shape`] of its last rendering.
    pub shape: u64,
}

impl Memo {
    /// Its unique id, which keys its manifest entry.
    pub fn unique_id(&self) -> String {
        format!("model.{}.{}", self.package, self.name)
    }
}

/// An edited model rendered again.
#[derive(Debug, Clone)]
pub struct Redone {
    /// Its unique id.
    pub unique_id: String,
    /// The new text of its file.
    pub raw: String,
    /// Its rendered SQL.
    pub sql: String,
    /// Where its compiled SQL is written, relative to the project folder.
    pub compiled_path: PathBuf,
}

/// A relation as `(schema, identifier)`, borrowed.
type PairRef<'a> = (&'a str, &'a str);

/// A [`Memo`] as written: the same fields, borrowed from the compile.
#[derive(Serialize)]
struct MemoOut<'a> {
    path: &'a Path,
    name: &'a str,
    package: &'a str,
    this: PairRef<'a>,
    materialized: Option<&'a str>,
    existed: bool,
    refs: Vec<(&'a str, &'a str, PairRef<'a>)>,
    sources: Vec<(&'a str, &'a str, PairRef<'a>, Option<&'a str>)>,
    shape: u64,
}

/// The memo of every model of `compiled` that can be patched (see the
/// module's notes), one JSON line each, in graph order, written straight
/// from the compile (no memo is built: this runs after every whole
/// compile). Linear in nodes and edges; spread over the cores, in pieces
/// of lines.
pub fn memo_lines(compiled: &Compiled) -> Vec<Vec<u8>> {
    if !compiled.catalog.versions.is_empty() {
        return Vec::new();
    }
    let initial: jgt_core::hash::Map<&str, Option<&str>> = compiled
        .project
        .models
        .iter()
        .map(|m| (m.name.as_str(), m.config.materialized.as_deref()))
        .collect();
    let tested: jgt_core::hash::Set<usize> = compiled
        .nodes
        .iter()
        .filter_map(|n| n.unit_test.as_ref().map(|u| u.model.index()))
        .collect();
    // Warnings start with the file they are about: `path:line: ...`.
    let warned: jgt_core::hash::Set<&str> = compiled
        .warnings
        .iter()
        .filter_map(|w| w.split_once(':').map(|(path, _)| path))
        .collect();
    let memo = |id: jgt_graph::NodeId| -> Option<MemoOut> {
        let node = compiled.node(id);
        let plain = node.kind == NodeKind::Model
            && !is_ephemeral(node)
            && node.before_inlining.is_none()
            && node.contract.is_none()
            && !node.needs_execution
            && node.raw_sql.is_some()
            && !node.package.is_empty()
            && !tested.contains(&id.index())
            && !node.path.to_str().is_some_and(|p| warned.contains(p));
        let materialized = initial.get(node.name.as_str()).filter(|_| plain)?;
        let parents: Vec<_> = compiled.dag.parents(id);
        let parents: Vec<_> = parents.iter().map(|&p| compiled.node(p)).collect();
        if parents.iter().any(|p| is_ephemeral(p)) {
            return None;
        }
        Some(MemoOut {
            path: &node.path,
            name: &node.name,
            package: &node.package,
            this: text_pair(&node.relation),
            materialized: *materialized,
            existed: compiled.catalog.existing.contains(&node.relation),
            refs: parents
                .iter()
                .filter(|p| matches!(p.kind, NodeKind::Model | NodeKind::Seed))
                .map(|p| (p.name.as_str(), p.package.as_str(), text_pair(&p.relation)))
                .collect(),
            sources: parents
                .iter()
                .filter(|p| p.kind == NodeKind::Source)
                .filter_map(|p| {
                    let (source, table) = p.name.split_once('.')?;
                    let key = (source.to_string(), table.to_string());
                    let external = compiled.catalog.external_sources.get(&key);
                    Some((
                        source,
                        table,
                        text_pair(&p.relation),
                        external.map(String::as_str),
                    ))
                })
                .collect(),
            shape: node.shape,
        })
    };
    let pieces: Vec<&[jgt_graph::NodeId]> = compiled.dag.order().chunks(256).collect();
    jgt_core::parallel::map(&pieces, |piece| {
        let mut lines = Vec::with_capacity(piece.len() * 400);
        for memo in piece.iter().filter_map(|&id| memo(id)) {
            // Plain structs of text: serialising cannot fail.
            let _ = serde_json::to_writer(&mut lines, &memo);
            lines.push(b'\n');
        }
        lines
    })
}

/// Whether a node is an ephemeral model (inlined into its readers).
fn is_ephemeral(node: &crate::CompiledNode) -> bool {
    node.materialization == Some(Materialization::Ephemeral)
}

/// A relation as `(schema, identifier)`, borrowed.
fn text_pair(relation: &Relation) -> PairRef<'_> {
    (&relation.schema, &relation.identifier)
}

/// A relation from `(schema, identifier)`.
fn relation((schema, identifier): &Pair) -> Relation {
    Relation::new(schema.as_str(), identifier.as_str())
}

/// Renders each edited model (its memo and new text) again, with the
/// macros, vars and target of `project` (loaded with
/// [`jgt_project::LoadOptions::templates_only`]) and a catalog of only
/// the relations its memo names. `None` as soon as one cannot be patched:
/// its render fails or has another shape, or its SQL is not exactly one
/// statement; compiling the whole project then says why, if anything is
/// wrong.
pub fn render_again(
    project: &Project,
    options: &CompileOptions,
    edits: &[(Memo, String)],
) -> Option<Vec<Redone>> {
    let (mut renderer, _) = crate::compile::renderer_for(project, options).ok()?;
    for (memo, text) in edits {
        renderer.add_template(&memo.path, text).ok()?;
    }
    let mut redone = Vec::with_capacity(edits.len());
    for (memo, text) in edits {
        let this = relation(&memo.this);
        let catalog = Arc::new(catalog_of(memo, options.full_refresh));
        let out = renderer
            .render(
                &memo.path,
                &memo.name,
                &catalog,
                Some(&this),
                memo.materialized.as_deref(),
            )
            .ok()?;
        if out.shape() != memo.shape || jgt_core::sql::single_statement(&out.sql).is_err() {
            return None;
        }
        redone.push(Redone {
            unique_id: memo.unique_id(),
            raw: text.clone(),
            sql: out.sql,
            compiled_path: crate::compile::compiled_path(project, &memo.path),
        });
    }
    Some(redone)
}

/// The catalog one memoised model renders against: itself and what it
/// read last time. A `ref()` to anything else fails, and the caller
/// compiles everything.
fn catalog_of(memo: &Memo, full_refresh: bool) -> Catalog {
    let this = relation(&memo.this);
    let existing: HashSet<Relation> = memo.existed.then(|| this.clone()).into_iter().collect();
    let mut catalog = Catalog {
        existing: jgt_core::Existing::known(existing),
        full_refresh,
        ..Catalog::default()
    };
    catalog.nodes.insert(memo.name.clone(), this);
    catalog
        .packages
        .insert(memo.name.clone(), memo.package.clone());
    for (name, package, at) in &memo.refs {
        catalog.nodes.insert(name.clone(), relation(at));
        catalog.packages.insert(name.clone(), package.clone());
    }
    for (source, table, at, external) in &memo.sources {
        let key = (source.clone(), table.clone());
        if let Some(sql) = external {
            catalog.external_sources.insert(key.clone(), sql.clone());
        }
        catalog.sources.insert(key, relation(at));
    }
    catalog
}

/// Replaces the `raw_code`, `compiled_code` and `checksum` of each redone
/// model's entry in the manifest at `path`, and gives it `invocation`'s
/// id and times. The new manifest is written beside and renamed into
/// place; the kernel copies the unchanged bytes from the old one. `Ok(false)`,
/// leaving the file untouched, when an entry is not found where and as
/// jgt writes it (or more models were edited than are worth patching).
pub fn patch_manifest(
    path: &Path,
    redone: &[Redone],
    invocation: &Invocation,
) -> crate::compile::Result<bool> {
    let failed = |source| crate::CompileError::Write {
        path: path.to_path_buf(),
        source,
    };
    if redone.len() > MOST_PATCHED {
        return Ok(false);
    }
    let old = std::fs::File::open(path).map_err(failed)?;
    let mut cuts = Vec::new();
    for (one, at) in redone
        .iter()
        .zip(find_entries(&old, redone).map_err(failed)?)
    {
        match at
            .map(|at| entry_cuts(&old, at, one))
            .transpose()
            .map_err(failed)?
        {
            Some(Some(found)) => cuts.extend(found),
            _ => return Ok(false),
        }
    }
    if !cuts.iter().any(|cut| cut.changes) {
        return crate::artifacts::restamp_manifest(path, invocation).map_err(failed);
    }
    // The invocation's id and times go in with the rest: written into
    // the file after the rename, they would wait for the write-back ext4
    // starts on a file renamed over another (20 ms at 40 MB).
    let mut head = vec![0u8; 4096];
    let read = std::os::unix::fs::FileExt::read_at(&old, &mut head, 0).map_err(failed)?;
    let Some(fields) = crate::artifacts::invocation_fields(&head[..read], invocation) else {
        return Ok(false);
    };
    cuts.extend(fields.into_iter().map(|(start, value)| Cut {
        start: start as u64,
        end: (start + value.len()) as u64,
        json: value.into_bytes(),
        changes: true,
    }));
    cuts.sort_by_key(|cut| cut.start);
    if cuts.windows(2).any(|w| w[0].end > w[1].start) {
        return Ok(false);
    }
    crate::atomic::write_file_direct(path, |new| {
        use std::io::{Read, Seek, SeekFrom, Write};
        let copy = |new: &mut std::fs::File, from: u64, to: Option<u64>| {
            (&old).seek(SeekFrom::Start(from))?;
            match to {
                Some(to) => std::io::copy(&mut (&old).take(to - from), new),
                None => std::io::copy(&mut &old, new),
            }
        };
        let mut at = 0;
        for cut in &cuts {
            copy(new, at, Some(cut.start))?;
            new.write_all(&cut.json)?;
            at = cut.end;
        }
        copy(new, at, None).map(drop)
    })?;
    Ok(true)
}

/// Past this many edited models a whole compile is as quick as patching.
const MOST_PATCHED: usize = 64;

/// One value of an entry to replace: its span in the file and new JSON.
struct Cut {
    start: u64,
    end: u64,
    json: Vec<u8>,
    /// Whether the new JSON differs from the old.
    changes: bool,
}

/// The key `"<unique id>":{"unique_id":"<unique id>",` that starts a
/// node's entry; only an entry's own key can look so (inside a string
/// every quote is escaped).
fn entry_key(unique_id: &str) -> Vec<u8> {
    let id = quoted(unique_id);
    format!("{id}:{{\"unique_id\":{id},").into_bytes()
}

/// A unique id as a JSON string.
fn quoted(unique_id: &str) -> String {
    serde_json::Value::from(unique_id).to_string()
}

/// Where each redone model's entry key starts in the manifest, read a
/// window at a time into one buffer.
fn find_entries(file: &std::fs::File, redone: &[Redone]) -> std::io::Result<Vec<Option<u64>>> {
    use std::os::unix::fs::FileExt;
    const WINDOW: usize = 1 << 20;
    let keys: Vec<Vec<u8>> = redone.iter().map(|one| entry_key(&one.unique_id)).collect();
    let longest = keys.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let mut found: Vec<Option<u64>> = vec![None; keys.len()];
    let mut buffer = vec![0u8; WINDOW + longest];
    let (mut base, mut filled) = (0u64, 0usize);
    loop {
        let read = file.read_at(&mut buffer[filled..], base + filled as u64)?;
        filled += read;
        for (key, slot) in keys.iter().zip(&mut found) {
            if slot.is_none() {
                *slot = memchr::memmem::find(&buffer[..filled], key).map(|at| base + at as u64);
            }
        }
        if read == 0 || found.iter().all(Option::is_some) {
            return Ok(found);
        }
        // A key may straddle two windows: the tail is searched again.
        let keep = (longest - 1).min(filled);
        buffer.copy_within(filled - keep..filled, 0);
        base += (filled - keep) as u64;
        filled = keep;
    }
}

/// The entry of `one` at `at` (where its key starts), read whole.
fn read_entry(
    file: &std::fs::File,
    at: u64,
    one: &Redone,
) -> std::io::Result<Option<(u64, Vec<u8>)>> {
    use std::os::unix::fs::FileExt;
    // The entry's object starts after its key and the colon.
    let start = at + quoted(&one.unique_id).len() as u64 + 1;
    let size = file.metadata()?.len();
    let mut want = 64 * 1024;
    loop {
        let len = want.min(size.saturating_sub(start)) as usize;
        let mut bytes = vec![0u8; len];
        file.read_exact_at(&mut bytes, start)?;
        if let Some(end) = json::object_end(&bytes) {
            bytes.truncate(end);
            return Ok(Some((start, bytes)));
        }
        if start + len as u64 >= size {
            return Ok(None);
        }
        want *= 2;
    }
}

/// The spans of one entry's three values in the manifest, with their new
/// JSON; `None` when the entry is not as jgt writes it.
fn entry_cuts(file: &std::fs::File, at: u64, one: &Redone) -> std::io::Result<Option<[Cut; 3]>> {
    let Some((start, entry)) = read_entry(file, at, one)? else {
        return Ok(None);
    };
    Ok(value_cuts(&entry, one).map(|spans| {
        spans.map(|(from, to, json)| Cut {
            start: start + from as u64,
            end: start + to as u64,
            changes: entry[from..to] != json[..],
            json,
        })
    }))
}

/// The spans of `raw_code`, `compiled_code` and `checksum` in `entry`,
/// with their new JSON.
fn value_cuts(entry: &[u8], one: &Redone) -> Option<[(usize, usize, Vec<u8>); 3]> {
    // The entry's first `"raw_code":` is its own: no key before it holds
    // an object, and inside a string every quote is escaped.
    let raw = json::value_after(entry, b"\"raw_code\":", false)?;
    let compiled = json::value_after(&entry[raw.1..], b",\"compiled_code\":", true)?;
    let compiled = (raw.1 + compiled.0, raw.1 + compiled.1);
    // Its last `"checksum":{` is its own: only `unrendered_config` (an
    // empty object) and `attached_node` (a string) follow it.
    let at = memchr::memmem::rfind(entry, b"\"checksum\":{")? + b"\"checksum\":".len();
    let checksum = (at, at + json::object_end(&entry[at..])?);
    let digest = crate::artifacts::checksum(&one.raw);
    Some([
        (raw.0, raw.1, serde_json::to_vec(&one.raw).ok()?),
        (compiled.0, compiled.1, serde_json::to_vec(&one.sql).ok()?),
        (checksum.0, checksum.1, serde_json::to_vec(&digest).ok()?),
    ])
}

/// Finding values in compact JSON as serde_json writes it.
mod json {
    /// The length of the object `text` starts with, through its `}`.
    pub(super) fn object_end(text: &[u8]) -> Option<usize> {
        if text.first() != Some(&b'{') {
            return None;
        }
        value_end(text)
    }

    /// Where the value after the first `key` (which ends in `:`) sits in
    /// `text`: start and end. With `at_start`, `key` must begin `text`.
    pub(super) fn value_after(text: &[u8], key: &[u8], at_start: bool) -> Option<(usize, usize)> {
        let at = match at_start {
            true => text.starts_with(key).then_some(0)?,
            false => memchr::memmem::find(text, key)?,
        };
        let start = at + key.len();
        Some((start, start + value_end(&text[start..])?))
    }

    /// The length of the JSON value `text` starts with.
    fn value_end(text: &[u8]) -> Option<usize> {
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        for (i, &byte) in text.iter().enumerate() {
            if in_string {
                match byte {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' if depth == 0 => return Some(i + 1),
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                b',' | b':' if depth == 0 => return Some(i),
                _ => {}
            }
        }
        // A bare value (`null`, a number) running to the end.
        (depth == 0 && !in_string).then_some(text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redone(raw: &str, sql: &str) -> Redone {
        Redone {
            unique_id: "model.p.m".into(),
            raw: raw.into(),
            sql: sql.into(),
            compiled_path: PathBuf::from("target/compiled/p/models/m.sql"),
        }
    }

    #[test]
    fn a_value_ends_past_escaped_quotes_and_nested_brackets() {
        let text = br#""a \"quoted\" \\ word",next"#;
        assert_eq!(json::value_after(text, b"", true), Some((0, 22)));
        let object = br#"{"x":"}{","y":[1,{"z":"]"}]},"after":1"#;
        assert_eq!(json::object_end(object), Some(28));
        assert_eq!(json::object_end(br#"{"open":"#), None, "cut short");
    }

    #[test]
    fn only_the_entry_s_own_values_are_cut() {
        // A column named `checksum` and a config key `raw_code` come before
        // the entry's own keys in places jgt's writer never puts them.
        let entry = br#"{"unique_id":"model.p.m","relation_name":"x","raw_code":"select 1","compiled_code":"select 1","columns":{"checksum":{"name":"checksum"}},"checksum":{"name":"sha256","checksum":"00"},"unrendered_config":{}}"#;
        let cuts = value_cuts(entry, &redone("select 2", "select 2 -- compiled")).unwrap();
        let text = |(start, end, _): &(usize, usize, Vec<u8>)| {
            String::from_utf8(entry[*start..*end].to_vec()).unwrap()
        };
        assert_eq!(text(&cuts[0]), r#""select 1""#);
        assert_eq!(text(&cuts[1]), r#""select 1""#);
        assert_eq!(text(&cuts[2]), r#"{"name":"sha256","checksum":"00"}"#);
        assert_eq!(cuts[1].2, br#""select 2 -- compiled""#.to_vec());
    }

    #[test]
    fn a_manifest_without_the_entry_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        let text = r#"{"metadata":{},"nodes":{"model.p.other":{"unique_id":"model.p.other"}}}"#;
        std::fs::write(&path, text).unwrap();
        let invocation = Invocation::start();
        let patched = patch_manifest(&path, &[redone("select 2", "select 2")], &invocation);
        assert!(!patched.unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }
}
