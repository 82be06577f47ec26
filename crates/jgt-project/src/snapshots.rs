//! Snapshot files: `{% snapshot name %} ... {% endsnapshot %}` blocks under
//! `snapshot-paths`. Each block becomes a node read like a model, whose
//! template is the block's body.

use std::path::Path;

use crate::error::ProjectError;
use crate::{discover, ConfigTree, ModelFile, SchemaEntry};

/// The snapshots schema files define whole (dbt 1.9+: a `snapshots:`
/// entry with `relation:`), as nodes whose SQL selects everything from
/// the relation. Each one's path is `<schema file>/<name>.sql`, as dbt
/// names it; its `config:` is applied with the other schema-file configs.
pub(crate) fn from_yaml(
    entries: &[SchemaEntry],
    package: &str,
    tree: &ConfigTree,
) -> Vec<ModelFile> {
    let mut snapshots = Vec::new();
    for entry in entries.iter().filter(|e| e.package == package) {
        for properties in &entry.file.snapshots {
            let Some(relation) = &properties.relation else {
                continue;
            };
            let name = &properties.node.name;
            let line = crate::disabled::entry_line(&entry.text, name);
            // The template keeps the entry's line, so errors point at it.
            let raw_sql = format!(
                "{}select * from {{{{ {} }}}}\n",
                "\n".repeat(line.saturating_sub(1)),
                relation.trim()
            );
            snapshots.push(ModelFile {
                package: package.to_string(),
                name: name.clone(),
                path: entry.path.join(format!("{name}.sql")),
                folders: Vec::new(),
                raw_sql,
                config: tree.resolve(&[], name),
                snapshot: true,
            });
        }
    }
    snapshots
}

/// One `{% snapshot %}` block found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    /// The snapshot's name.
    name: String,
    /// The 1-based line of its opening tag.
    line: usize,
    /// The file's text with everything but the block's body blanked
    /// (line breaks kept, so errors keep the file's line numbers).
    body: String,
}

/// Reads every snapshot under `dirs` (relative to `root`) of `package`,
/// resolving each one's config from the `snapshots:` tree. Gives the
/// snapshots and a warning for each `.sql` file without a snapshot block,
/// which dbt skips without a word (a query there is no node: a `ref` to
/// it fails in dbt and in jgt alike).
pub(crate) fn read(
    root: &Path,
    dirs: &[String],
    package: &str,
    tree: &ConfigTree,
) -> Result<(Vec<ModelFile>, Vec<String>), ProjectError> {
    let mut snapshots = Vec::new();
    let mut skipped = Vec::new();
    for found in discover::find_files(root, dirs, &["sql"])? {
        let text = discover::read_text(root, &found.path)?;
        let unsupported = |line: usize, message: String| ProjectError::Unsupported {
            path: found.path.clone(),
            line,
            message,
        };
        let mut blocks = blocks(&text).map_err(|(line, why)| unsupported(line, why))?;
        if blocks.len() > 1 {
            return Err(unsupported(
                blocks[1].line,
                format!(
                    "jgt reads one {{% snapshot %}} block per file; move '{}' into a file of its own",
                    blocks[1].name
                ),
            ));
        }
        let Some(block) = blocks.pop() else {
            skipped.push(format!(
                "{}: no {{% snapshot name %}} ... {{% endsnapshot %}} block, so it is not a \
                 snapshot and is skipped, as dbt skips it; wrap the query in a block, or move \
                 the file under the model paths to build it as a model",
                found.path.display()
            ));
            continue;
        };
        let config = tree.resolve(&found.folders, &block.name);
        if !config.is_enabled() {
            continue;
        }
        snapshots.push(ModelFile {
            package: package.to_string(),
            name: block.name,
            path: found.path,
            folders: found.folders,
            raw_sql: block.body,
            config,
            snapshot: true,
        });
    }
    Ok((snapshots, skipped))
}

/// The snapshot blocks of a file's text, or the line and reason it is
/// malformed.
fn blocks(text: &str) -> Result<Vec<Block>, (usize, String)> {
    let mut found = Vec::new();
    let mut rest = 0;
    while let Some((start, end, name)) = next_tag(text, rest, "snapshot") {
        let line = line_at(text, start);
        let name = name.filter(|n| is_name(n)).ok_or((
            line,
            "a snapshot block needs a name: {% snapshot orders_snapshot %}".to_string(),
        ))?;
        let (close, after) = match next_tag(text, end, "endsnapshot") {
            Some((close, after, _)) => (close, after),
            None => {
                return Err((
                    line,
                    format!("the snapshot '{name}' has no {{% endsnapshot %}}"),
                ))
            }
        };
        found.push(Block {
            name: name.to_string(),
            line,
            body: blank_outside(text, end, close),
        });
        rest = after;
    }
    Ok(found)
}

/// The next `{% <keyword> [name] %}` tag from byte `from`: its start, the
/// byte after it, and the word that follows the keyword.
fn next_tag<'a>(
    text: &'a str,
    from: usize,
    keyword: &str,
) -> Option<(usize, usize, Option<&'a str>)> {
    let mut at = from;
    while let Some(offset) = text[at..].find("{%") {
        let start = at + offset;
        let inner_start = start + 2;
        let close = text[inner_start..].find("%}")? + inner_start;
        let inner = text[inner_start..close]
            .trim_start_matches(['-', '+'])
            .trim_end_matches(['-', '+'])
            .trim();
        let mut words = inner.split_whitespace();
        if words.next() == Some(keyword) {
            return Some((start, close + 2, words.next()));
        }
        at = close + 2;
    }
    None
}

/// Whether `name` is a valid node name.
fn is_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// The 1-based line of byte `at`.
fn line_at(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// `text` with every character outside `start..end` blanked, line breaks
/// kept.
fn blank_outside(text: &str, start: usize, end: usize) -> String {
    let breaks = |part: &str| "\n".repeat(part.matches('\n').count());
    format!(
        "{}{}{}",
        breaks(&text[..start]),
        &text[start..end],
        breaks(&text[end..])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_keeps_its_body_on_its_lines() {
        let text = "-- history of orders\n{% snapshot orders_snapshot %}\n{{ config(strategy='check') }}\nselect 1\n{% endsnapshot %}\n";
        let found = blocks(text).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "orders_snapshot");
        assert_eq!(found[0].line, 2);
        assert_eq!(
            found[0].body,
            "\n\n{{ config(strategy='check') }}\nselect 1\n\n"
        );
    }

    #[test]
    fn whitespace_control_and_two_blocks_are_read() {
        let text = "{%- snapshot a -%}select 1{%- endsnapshot -%}\n{% snapshot b %}select 2{% endsnapshot %}";
        let names: Vec<String> = blocks(text).unwrap().into_iter().map(|b| b.name).collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn a_block_without_its_end_says_so() {
        let err = blocks("\n{% snapshot s %}\nselect 1\n").unwrap_err();
        assert_eq!(err.0, 2);
        assert!(err.1.contains("no {% endsnapshot %}"), "{}", err.1);
    }
}
