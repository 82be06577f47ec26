//! dbt's YAML selectors (`selectors.yml`): named selections that
//! `--selector NAME` applies, one of them optionally the default.
//!
//! ```yaml
//! selectors:
//!   - name: nightly
//!     description: what runs every night
//!     default: true
//!     definition:
//!       union:
//!         - method: tag
//!           value: nightly
//!           children: true
//!         - "path:models/marts"
//!         - exclude:
//!             - tag: slow
//! ```
//!
//! A definition is a selector string in `--select` syntax, a method
//! (`method`/`value` with `parents`, `children`, `childrens_parents`,
//! `parents_depth`, `children_depth`, `indirect_selection`, `exclude`, or
//! the shorthand `tag: nightly`), or a `union:` / `intersection:` list in
//! which one `exclude:` item takes nodes away. Each leaf becomes a string
//! of the `--select` syntax and goes through the same engine; the sets are
//! then combined here. The whole file is checked when it is read, so a
//! mistake is reported with its line even in a selector not used.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use jgt_project::suggest::nearest;
use serde_yaml::{Mapping, Value};

use crate::select::{select, Modified};
use crate::{Dag, GraphError, NodeId};

/// Keys of one entry of `selectors:`.
const ENTRY_KEYS: &[&str] = &["name", "description", "default", "definition"];
/// Keys of a `method`/`value` definition.
const METHOD_KEYS: &[&str] = &[
    "method",
    "value",
    "parents",
    "children",
    "childrens_parents",
    "parents_depth",
    "children_depth",
    "indirect_selection",
    "exclude",
];
/// The methods jgt's selection engine knows, plus `selector` (another
/// named selector).
const METHODS: &[&str] = &[
    "fqn",
    "tag",
    "path",
    "config.materialized",
    "resource_type",
    "source",
    "state",
    "selector",
];

/// The parsed `selectors.yml`.
#[derive(Debug, Clone)]
pub struct Selectors {
    path: PathBuf,
    text: String,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    name: String,
    default: bool,
    definition: Value,
}

impl Selectors {
    /// Parses and checks the text of `selectors.yml` found at `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, GraphError> {
        let mut selectors = Selectors {
            path: path.to_path_buf(),
            text: text.to_string(),
            entries: Vec::new(),
        };
        let root: Value = serde_yaml::from_str(text).map_err(|err| GraphError::SelectorsFile {
            path: path.to_path_buf(),
            line: err.location().map_or(1, |l| l.line()),
            message: err.to_string(),
        })?;
        let list = root
            .as_mapping()
            .and_then(|m| m.get("selectors"))
            .and_then(Value::as_sequence)
            .ok_or_else(|| {
                selectors.shape(1, "the file must hold `selectors:`, a list of selectors")
            })?;
        if let Some(map) = root.as_mapping() {
            selectors.known_keys(map, &["selectors"], "the file")?;
        }
        for item in list {
            let entry = selectors.entry(item)?;
            if selectors.entries.iter().any(|e| e.name == entry.name) {
                let line = selectors.line_of(&entry.name);
                return Err(
                    selectors.shape(line, &format!("two selectors are named '{}'", entry.name))
                );
            }
            selectors.entries.push(entry);
        }
        let defaults: Vec<&str> = selectors
            .entries
            .iter()
            .filter(|e| e.default)
            .map(|e| e.name.as_str())
            .collect();
        if defaults.len() > 1 {
            let line = selectors.line_of("default");
            return Err(selectors.shape(
                line,
                &format!(
                    "only one selector can be the default; {} all say `default: true`",
                    defaults.join(", ")
                ),
            ));
        }
        for entry in &selectors.entries {
            selectors.check(&entry.definition)?;
        }
        Ok(selectors)
    }

    /// The selector marked `default: true`, if any.
    pub fn default_name(&self) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.default)
            .map(|e| e.name.as_str())
    }

    /// The names of every selector, in file order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    /// The nodes the selector `name` selects, in build order.
    pub fn select(
        &self,
        dag: &Dag,
        name: &str,
        modified: Modified,
    ) -> Result<Vec<NodeId>, GraphError> {
        let chosen = self.named(dag, name, modified, 0)?;
        Ok(dag
            .order()
            .iter()
            .copied()
            .filter(|id| chosen.contains(id))
            .collect())
    }

    fn named(
        &self,
        dag: &Dag,
        name: &str,
        modified: Modified,
        depth: usize,
    ) -> Result<HashSet<NodeId>, GraphError> {
        let Some(entry) = self.entries.iter().find(|e| e.name == name) else {
            return Err(GraphError::UnknownNamedSelector {
                name: name.to_string(),
                path: self.path.clone(),
                suggestion: nearest(name, self.names()),
            });
        };
        if depth > self.entries.len() {
            let line = self.line_of(name);
            return Err(self.shape(
                line,
                &format!("selector '{name}' refers to itself through `method: selector`"),
            ));
        }
        self.eval(dag, &entry.definition, modified, depth + 1)
    }

    /// One entry of `selectors:`, its keys checked.
    fn entry(&self, item: &Value) -> Result<Entry, GraphError> {
        let Some(map) = item.as_mapping() else {
            return Err(self.shape(
                1,
                "each selector must be a mapping with `name` and `definition`",
            ));
        };
        self.known_keys(map, ENTRY_KEYS, "a selector")?;
        let name = map
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| self.shape(self.line_of("definition"), "a selector has no `name`"))?
            .to_string();
        let definition = map.get("definition").cloned().ok_or_else(|| {
            self.shape(
                self.line_of(&name),
                &format!("selector '{name}' has no `definition`"),
            )
        })?;
        let default = match map.get("default") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(self.shape(self.line_of("default"), "`default` must be true or false"))
            }
        };
        Ok(Entry {
            name,
            default,
            definition,
        })
    }

    /// Checks a definition's keys and methods without a graph.
    fn check(&self, definition: &Value) -> Result<(), GraphError> {
        match definition {
            Value::String(_) => Ok(()),
            Value::Mapping(map) => {
                let ops: [&'static [&'static str]; 2] = [&["union"], &["intersection"]];
                for only in ops {
                    let op = only[0];
                    if let Some(items) = map.get(op) {
                        self.known_keys(map, only, op)?;
                        return self.check_list(items, op);
                    }
                }
                self.check_method(map)
            }
            _ => Err(self.shape(
                self.line_of("definition"),
                "a definition is a selector string, a method, `union:` or `intersection:`",
            )),
        }
    }

    fn check_list(&self, items: &Value, op: &str) -> Result<(), GraphError> {
        let items = items
            .as_sequence()
            .ok_or_else(|| self.shape(self.line_of(op), &format!("`{op}` must be a list")))?;
        let mut excludes = 0;
        for item in items {
            match item.as_mapping().and_then(|m| m.get("exclude")) {
                Some(excluded) => {
                    excludes += 1;
                    self.check_list(excluded, "exclude")?;
                }
                None => self.check(item)?,
            }
        }
        if excludes > 1 {
            return Err(self.shape(
                self.line_of("exclude"),
                &format!("`{op}` can hold one `exclude:` item, not {excludes}"),
            ));
        }
        Ok(())
    }

    fn check_method(&self, map: &Mapping) -> Result<(), GraphError> {
        let (method, _) = self.method_of(map)?;
        if map.len() > 1 || map.contains_key("method") {
            self.known_keys(map, METHOD_KEYS, "a method")?;
        }
        if !METHODS.contains(&method.as_str()) {
            return Err(GraphError::SelectorsMethod {
                path: self.path.clone(),
                line: self.line_of(&method),
                suggestion: nearest(&method, METHODS.iter().copied()),
                method,
            });
        }
        match map.get("indirect_selection").and_then(Value::as_str) {
            None | Some("eager") => {}
            Some(other) => {
                return Err(self.shape(
                    self.line_of("indirect_selection"),
                    &format!("indirect_selection: {other} is not supported; jgt selects tests eagerly (indirect_selection: eager)"),
                ))
            }
        }
        match map.get("exclude") {
            Some(excluded) => self.check_list(excluded, "exclude"),
            None => Ok(()),
        }
    }

    /// `(method, value)` of a method mapping, long or shorthand form.
    fn method_of(&self, map: &Mapping) -> Result<(String, String), GraphError> {
        let text = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        if let (Some(method), Some(value)) = (map.get("method"), map.get("value")) {
            let method = method
                .as_str()
                .ok_or_else(|| self.shape(self.line_of("method"), "`method` must be text"))?;
            let value = text(value)
                .ok_or_else(|| self.shape(self.line_of("value"), "`value` must be text"))?;
            return Ok((method.to_string(), value));
        }
        if map.len() == 1 {
            let (key, value) = map.iter().next().expect("one key");
            if let (Some(key), Some(value)) = (key.as_str(), text(value)) {
                return Ok((key.to_string(), value));
            }
        }
        let first = map
            .keys()
            .next()
            .and_then(Value::as_str)
            .unwrap_or("method");
        Err(self.shape(
            self.line_of(first),
            "a method needs `method:` and `value:` (or one `method_name: value` pair)",
        ))
    }

    /// Evaluates a definition to a set of nodes.
    fn eval(
        &self,
        dag: &Dag,
        definition: &Value,
        modified: Modified,
        depth: usize,
    ) -> Result<HashSet<NodeId>, GraphError> {
        let map = match definition {
            Value::String(text) => {
                return Ok(select(dag, std::slice::from_ref(text), modified)?
                    .into_iter()
                    .collect())
            }
            Value::Mapping(map) => map,
            _ => return Err(self.shape(self.line_of("definition"), "not a definition")),
        };
        for (op, union) in [("union", true), ("intersection", false)] {
            let Some(items) = map.get(op).and_then(Value::as_sequence) else {
                continue;
            };
            let mut result: Option<HashSet<NodeId>> = None;
            let mut excluded = HashSet::new();
            for item in items {
                if let Some(list) = item.as_mapping().and_then(|m| m.get("exclude")) {
                    excluded = self.eval_union(dag, list, modified, depth)?;
                    continue;
                }
                let set = self.eval(dag, item, modified, depth)?;
                result = Some(match result {
                    None => set,
                    Some(acc) if union => acc.union(&set).copied().collect(),
                    Some(acc) => acc.intersection(&set).copied().collect(),
                });
            }
            return Ok(result
                .unwrap_or_default()
                .difference(&excluded)
                .copied()
                .collect());
        }
        let (method, value) = self.method_of(map)?;
        let mut set = if method == "selector" {
            self.named(dag, &value, modified, depth)?
        } else {
            select(dag, &[leaf(map, &method, &value)], modified)?
                .into_iter()
                .collect()
        };
        if let Some(list) = map.get("exclude") {
            let excluded = self.eval_union(dag, list, modified, depth)?;
            set.retain(|id| !excluded.contains(id));
        }
        Ok(set)
    }

    fn eval_union(
        &self,
        dag: &Dag,
        list: &Value,
        modified: Modified,
        depth: usize,
    ) -> Result<HashSet<NodeId>, GraphError> {
        let mut all = HashSet::new();
        for item in list.as_sequence().into_iter().flatten() {
            all.extend(self.eval(dag, item, modified, depth)?);
        }
        Ok(all)
    }

    /// Refuses keys not in `allowed`, naming the nearest one.
    fn known_keys(
        &self,
        map: &Mapping,
        allowed: &'static [&'static str],
        what: &'static str,
    ) -> Result<(), GraphError> {
        for key in map.keys() {
            let key = key.as_str().unwrap_or("?");
            if !allowed.contains(&key) {
                return Err(GraphError::SelectorsKey {
                    path: self.path.clone(),
                    line: self.line_of(key),
                    key: key.to_string(),
                    what,
                    allowed,
                    suggestion: nearest(key, allowed.iter().copied()),
                });
            }
        }
        Ok(())
    }

    /// The first line that names `word` (as a key or a value): the best
    /// place to point at, since YAML values keep no positions.
    fn line_of(&self, word: &str) -> usize {
        let is_key = |line: &str| {
            let line = line.trim_start().trim_start_matches("- ").trim_start();
            line.starts_with(&format!("{word}:"))
        };
        self.text
            .lines()
            .position(is_key)
            .or_else(|| self.text.lines().position(|l| l.contains(word)))
            .map_or(1, |i| i + 1)
    }

    fn shape(&self, line: usize, message: &str) -> GraphError {
        GraphError::SelectorsFile {
            path: self.path.clone(),
            line,
            message: message.to_string(),
        }
    }
}

/// A method mapping as a `--select` string: `@`, `N+`, `method:value`, `+N`.
fn leaf(map: &Mapping, method: &str, value: &str) -> String {
    let flag = |key: &str| map.get(key).and_then(Value::as_bool).unwrap_or(false);
    let depth = |key: &str| {
        map.get(key)
            .and_then(Value::as_u64)
            .map(|n| n.to_string())
            .unwrap_or_default()
    };
    let core = if method == "fqn" {
        value.to_string()
    } else {
        format!("{method}:{value}")
    };
    if flag("childrens_parents") {
        return format!("@{core}");
    }
    let up = if flag("parents") || map.contains_key("parents_depth") {
        format!("{}+", depth("parents_depth"))
    } else {
        String::new()
    };
    let down = if flag("children") || map.contains_key("children_depth") {
        format!("+{}", depth("children_depth"))
    } else {
        String::new()
    };
    format!("{up}{core}{down}")
}

#[cfg(test)]
#[path = "selectors_tests.rs"]
mod tests;
