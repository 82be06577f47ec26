//! `--selector NAME`: a named selection of `selectors.yml`, and the
//! selector marked `default: true` when no `--select` is given.

use std::collections::HashSet;

use anyhow::Result;
use jgt_compile::Compiled;
use jgt_graph::{Modified, NodeId, Selectors};

use crate::cli::Selection;
use crate::error::CliError;

/// The file dbt reads named selectors from, in the project folder.
pub const SELECTORS_FILE: &str = "selectors.yml";

/// The nodes a named selector picks (minus `--exclude`), or `None` when
/// neither `--selector` nor a default selector applies.
pub fn chosen(
    compiled: &Compiled,
    selection: &Selection,
    modified: Modified,
) -> Result<Option<Vec<NodeId>>> {
    let path = compiled.project.root.join(SELECTORS_FILE);
    let explicit = selection.selector.as_deref();
    if explicit.is_some() && !selection.select.is_empty() {
        return Err(CliError::SelectorWithSelect.into());
    }
    if !path.is_file() {
        return match explicit {
            Some(name) => Err(CliError::NoSelectorsFile {
                name: name.to_string(),
                path,
            }
            .into()),
            None => Ok(None),
        };
    }
    let text = std::fs::read_to_string(&path).map_err(|source| CliError::Io {
        what: format!("cannot read {}", path.display()),
        source,
    })?;
    let shown = std::path::Path::new(SELECTORS_FILE);
    let selectors = Selectors::parse(shown, &text)?;
    let name = match explicit {
        Some(name) => name,
        None if selection.select.is_empty() => match selectors.default_name() {
            Some(name) => name,
            None => return Ok(None),
        },
        None => return Ok(None),
    };
    let mut ids = selectors.select(&compiled.dag, name, modified)?;
    if !selection.exclude.is_empty() {
        let excluded: HashSet<NodeId> = compiled
            .dag
            .select_with_state(&selection.exclude, &[], modified)?
            .into_iter()
            .collect();
        ids.retain(|id| !excluded.contains(id));
    }
    Ok(Some(ids))
}
