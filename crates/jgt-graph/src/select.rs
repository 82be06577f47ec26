//! dbt's node selection syntax.
//!
//! A selection is a union of terms (separate arguments or words split by
//! spaces); a term is an intersection of parts split by commas; a part is
//! `[@][N+]method:value[+N]` where the method is one of `tag`, `path`,
//! `config.materialized`, `resource_type`, `source`, or none (a node name,
//! `*` matching any run of characters). `+` before takes ancestors, after
//! takes descendants, a number limits the depth; `@` takes the node, its
//! descendants and all their ancestors.

use std::collections::HashSet;
use std::path::Path;

use jgt_project::suggest::nearest;

use crate::{Dag, GraphError, NodeId, NodeKind};

/// What `state:` selectors compare against: the names of the nodes that
/// changed since a saved manifest, or `None` when no `--state` was given.
pub type Modified<'a> = Option<&'a HashSet<String>>;

/// See the module docs.
pub(crate) fn select(
    dag: &Dag,
    selectors: &[String],
    modified: Modified,
) -> Result<Vec<NodeId>, GraphError> {
    let terms: Vec<&str> = selectors
        .iter()
        .flat_map(|s| s.split_whitespace())
        .collect();
    if terms.is_empty() {
        return Ok(dag.order().to_vec());
    }
    let mut chosen: HashSet<NodeId> = HashSet::new();
    for term in terms {
        let mut parts = term.split(',').filter(|p| !p.is_empty());
        let first = parts.next().ok_or_else(|| GraphError::BadSelector {
            selector: term.to_string(),
            message: "empty selector".into(),
        })?;
        let mut set = select_part(dag, first, modified)?;
        for part in parts {
            let other = select_part(dag, part, modified)?;
            set.retain(|id| other.contains(id));
        }
        chosen.extend(set);
    }
    Ok(dag
        .order()
        .iter()
        .copied()
        .filter(|id| chosen.contains(id))
        .collect())
}

/// Selects the nodes `selectors` names minus those `excludes` names.
pub(crate) fn select_excluding(
    dag: &Dag,
    selectors: &[String],
    excludes: &[String],
    modified: Modified,
) -> Result<Vec<NodeId>, GraphError> {
    let chosen = select(dag, selectors, modified)?;
    if excludes.iter().all(|e| e.trim().is_empty()) {
        return Ok(chosen);
    }
    let excluded: HashSet<NodeId> = select(dag, excludes, modified)?.into_iter().collect();
    Ok(chosen
        .into_iter()
        .filter(|id| !excluded.contains(id))
        .collect())
}

/// A part such as `2+stg_users+`, `@contacts` or `tag:daily`.
fn select_part(dag: &Dag, part: &str, modified: Modified) -> Result<HashSet<NodeId>, GraphError> {
    let bad = |message: &str| GraphError::BadSelector {
        selector: part.to_string(),
        message: message.to_string(),
    };
    let (at, rest) = match part.strip_prefix('@') {
        Some(rest) => (true, rest),
        None => (false, part),
    };
    let (up, rest) = split_prefix_depth(rest).map_err(|m| bad(&m))?;
    let (down, core) = split_suffix_depth(rest).map_err(|m| bad(&m))?;
    if core.is_empty() {
        return Err(bad("nothing to select between the + signs"));
    }
    if at && (up.is_some() || down.is_some()) {
        return Err(bad("@ cannot be combined with +"));
    }
    let base = match_method(dag, core, modified).map_err(|m| bad(&m))?;
    if base.is_empty() && !core.contains(':') && !core.contains('*') {
        return Err(GraphError::UnknownSelector {
            selector: part.to_string(),
            suggestion: nearest(core, dag.names()),
        });
    }
    let mut set: HashSet<NodeId> = base.iter().copied().collect();
    for &id in &base {
        if at {
            let below = dag.reach(id, false, None);
            for &child in &below {
                set.extend(dag.reach(child, true, None));
            }
            set.extend(below);
            set.extend(dag.reach(id, true, None));
        }
        if let Some(depth) = up {
            set.extend(dag.reach(id, true, depth));
        }
        if let Some(depth) = down {
            set.extend(dag.reach(id, false, depth));
        }
    }
    Ok(set)
}

/// `N+rest` or `+rest`: `Some(depth)` (with `None` for unlimited) when present.
type Depth = Option<Option<usize>>;

fn split_prefix_depth(text: &str) -> Result<(Depth, &str), String> {
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    if text[digits..].starts_with('+') {
        let depth = parse_depth(&text[..digits])?;
        Ok((Some(depth), &text[digits + 1..]))
    } else {
        Ok((None, text))
    }
}

fn split_suffix_depth(text: &str) -> Result<(Depth, &str), String> {
    let digits = text.chars().rev().take_while(char::is_ascii_digit).count();
    let head = &text[..text.len() - digits];
    match head.strip_suffix('+') {
        Some(core) => Ok((Some(parse_depth(&text[text.len() - digits..])?), core)),
        None => Ok((None, text)),
    }
}

fn parse_depth(digits: &str) -> Result<Option<usize>, String> {
    if digits.is_empty() {
        return Ok(None);
    }
    digits
        .parse()
        .map(Some)
        .map_err(|_| format!("'{digits}' is not a depth"))
}

fn match_method(dag: &Dag, core: &str, modified: Modified) -> Result<Vec<NodeId>, String> {
    let (method, value) = match core.split_once(':') {
        Some((method, value)) => (method, value),
        None => ("", core),
    };
    let matches: Box<dyn Fn(&crate::Node) -> bool> = match method {
        "" | "fqn" => Box::new(move |n| glob(value, &n.name) || unit_test_named(n, value)),
        "tag" => Box::new(move |n| n.tags.iter().any(|t| glob(value, t))),
        "path" => {
            let wanted = Path::new(value.trim_end_matches('/')).to_path_buf();
            Box::new(move |n| n.path.starts_with(&wanted) || glob(value, &n.path.to_string_lossy()))
        }
        "config.materialized" => {
            Box::new(move |n| n.materialized.as_deref().is_some_and(|m| glob(value, m)))
        }
        "resource_type" => {
            let kind = match value {
                "model" => NodeKind::Model,
                "seed" => NodeKind::Seed,
                "source" => NodeKind::Source,
                "snapshot" => NodeKind::Snapshot,
                "test" => NodeKind::Test,
                "unit_test" => NodeKind::UnitTest,
                other => return Err(format!("unknown resource_type '{other}': use model, seed, snapshot, source, test or unit_test")),
            };
            Box::new(move |n| n.kind == kind)
        }
        "source" => Box::new(move |n| {
            n.kind == NodeKind::Source
                && (glob(value, &n.name)
                    || n.name.split_once('.').is_some_and(|(s, _)| glob(value, s)))
        }),
        "state" => {
            let changed = modified.ok_or_else(|| {
                "state: needs a saved manifest to compare with: pass --state DIR (a folder holding manifest.json)"
                    .to_string()
            })?;
            if value != "modified" {
                return Err(format!("state:{value} is not supported; use state:modified"));
            }
            let changed = changed.clone();
            Box::new(move |n| changed.contains(&n.name))
        }
        other => {
            return Err(format!(
                "unknown selector method '{other}:'; use tag:, path:, config.materialized:, resource_type:, source: or state:"
            ))
        }
    };
    Ok(dag
        .order()
        .iter()
        .copied()
        .filter(|id| matches(dag.node(*id)))
        .collect())
}

/// Whether `node` is a unit test whose own name (after `model::`) matches
/// `pattern`: dbt selects unit tests by their name alone.
fn unit_test_named(node: &crate::Node, pattern: &str) -> bool {
    node.kind == NodeKind::UnitTest
        && node
            .name
            .split_once("::")
            .is_some_and(|(_, test)| glob(pattern, test))
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}
