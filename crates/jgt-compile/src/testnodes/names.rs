//! dbt's names and `test_metadata` for generic tests: what a test's
//! `unique_id`, relation and compiled file are called, as dbt-core
//! synthesizes them.

use std::collections::BTreeMap;

use jgt_graph::NodeKind;
use jgt_project::TestSpec;
use md5::Digest;

use crate::compile::{CompiledNode, TestMetadata};
use crate::pytext;

/// dbt's names for a generic test: the full name (its `unique_id` and
/// what `--select` matches) and the short one (its relation and compiled
/// file), as dbt-core synthesizes them. The full name is the test (with
/// its package: `dbt_utils_not_empty`), the tested node (`source_` first
/// and `<source>_<table>` for a source table), then every argument value
/// (`column_name` included) in the order of the argument names, written as
/// Python writes them, runs of other characters than `[0-9a-zA-Z_]` made
/// `_`. When it reaches 64 characters the short name is its first 30
/// identifying characters and the MD5 of the whole.
pub fn test_names(spec: &TestSpec, tested: &CompiledNode) -> (String, String) {
    let (prefix, target) = match tested.kind {
        NodeKind::Source => ("source_", tested.name.replacen('.', "_", 1)),
        _ => ("", tested.name.clone()),
    };
    let identifier = format!("{prefix}{}_{target}", spec.qualified_name());
    let mut args: Vec<(&str, &serde_yaml::Value)> =
        spec.args.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let column = spec.column.clone().map(serde_yaml::Value::String);
    if let Some(column) = &column {
        args.push(("column_name", column));
    }
    args.sort_by(|a, b| a.0.cmp(b.0));
    let values: Vec<String> = args
        .iter()
        .flat_map(|(_, value)| match value {
            serde_yaml::Value::Sequence(items) => items.iter().map(pytext::str_of).collect(),
            serde_yaml::Value::Mapping(map) => map.values().map(pytext::str_of).collect(),
            other => vec![pytext::str_of(other)],
        })
        .map(|text| underscores(&text))
        .collect();
    let full = format!("{identifier}_{}", values.join("__"));
    let short = if full.len() >= 64 {
        let cut: String = identifier.chars().take(30).collect();
        let digest = md5::Md5::digest(full.as_bytes());
        let hex = jgt_core::hex::lower(&digest);
        format!("{cut}_{hex}")
    } else {
        full.clone()
    };
    (full, short)
}

/// What dbt's `test_metadata` says of a tested node.
pub(super) struct Target {
    /// Where the schema file describes it: `models.orders`, `sources.raw`.
    file_key_name: String,
    /// The `model` argument: `{{ get_where_subquery(ref('orders')) }}`.
    model: String,
}

impl Target {
    /// The target of `tested`, a version of a versioned model when
    /// `version` gives its model's name and the version.
    pub(super) fn of(tested: &CompiledNode, version: Option<(&str, &str)>) -> Target {
        let (file_key_name, call) = match (tested.kind, version) {
            (NodeKind::Source, _) => {
                let (source, table) = tested.name.split_once('.').unwrap_or((&tested.name, ""));
                (
                    format!("sources.{source}"),
                    format!("source('{source}', '{table}')"),
                )
            }
            (_, Some((model, version))) => (
                format!("models.{model}"),
                format!("ref('{model}', version='{version}')"),
            ),
            (kind, None) => (
                format!("{}s.{}", kind.as_str(), tested.name),
                format!("ref('{}')", tested.name),
            ),
        };
        Target {
            file_key_name,
            model: format!("{{{{ get_where_subquery({call}) }}}}"),
        }
    }
}

/// dbt's `test_metadata` of the generic test `name`, with the hash
/// dbt-core ends its unique id with: the last 10 hex digits of the MD5 of
/// the name followed by the hashable `repr()` of the metadata
/// (`{'kwargs': {...}, 'name': 'not_null', 'namespace': 'None'}`, keys
/// sorted, every scalar made a string).
pub(super) fn metadata(
    name: &str,
    test_name: String,
    namespace: Option<String>,
    args: BTreeMap<String, serde_yaml::Value>,
    column: Option<String>,
    target: Target,
) -> TestMetadata {
    let mut meta = TestMetadata {
        name: test_name,
        namespace,
        args,
        column,
        model: target.model,
        file_key_name: target.file_key_name,
        hash: String::new(),
    };
    let mut kwargs: Vec<(&str, std::borrow::Cow<serde_yaml::Value>)> = meta.kwargs().collect();
    kwargs.sort_by(|a, b| a.0.cmp(b.0));
    let mut text = String::with_capacity(name.len() + 256);
    text.push_str(name);
    text.push_str("{'kwargs': {");
    for (at, (key, value)) in kwargs.iter().enumerate() {
        if at > 0 {
            text.push_str(", ");
        }
        text.push_str(&pytext::repr_str(key));
        text.push_str(": ");
        pytext::hashable_repr(value, &mut text);
    }
    text.push_str("}, 'name': ");
    text.push_str(&pytext::repr_str(&meta.name));
    text.push_str(", 'namespace': ");
    text.push_str(&pytext::repr_str(
        meta.namespace.as_deref().unwrap_or("None"),
    ));
    text.push('}');
    let digest = jgt_core::hex::lower(&md5::Md5::digest(text.as_bytes()));
    meta.hash = digest[digest.len() - 10..].to_string();
    meta
}

/// `text` with each run of characters outside `[0-9a-zA-Z_]` made one `_`.
fn underscores(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_run = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::test_names;
    use crate::compile::CompiledNode;
    use jgt_graph::NodeKind;
    use jgt_project::{parse_test, Relation};
    use std::path::Path;

    fn names(yaml: &str, column: Option<&str>, kind: NodeKind, tested: &str) -> (String, String) {
        let value: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
        let spec = parse_test(&value, column, Path::new("models/schema.yml")).unwrap();
        let node = CompiledNode::new(tested, kind, Path::new("m.sql"), Relation::new("main", "x"));
        test_names(&spec, &node)
    }

    #[test]
    fn short_names_are_dbts_names() {
        let model = NodeKind::Model;
        let (full, short) = names("unique", Some("id"), model, "stg_users");
        assert_eq!(
            (full.as_str(), short.as_str()),
            ("unique_stg_users_id", "unique_stg_users_id")
        );
        let (full, _) = names(
            "relationships: {to: \"ref('stg_customers')\", field: customer_id}",
            Some("customer_id"),
            model,
            "stg_orders",
        );
        assert_eq!(
            full,
            "relationships_stg_orders_customer_id__customer_id__ref_stg_customers_"
        );
        let (full, _) = names(
            "shop_utils.is_positive: {arguments: {allow_zero: true}}",
            Some("amount"),
            model,
            "stg_payments",
        );
        assert_eq!(full, "shop_utils_is_positive_stg_payments_True__amount");
        let (full, _) = names("not_null", Some("id"), NodeKind::Source, "raw.orders");
        assert_eq!(full, "source_not_null_raw_orders_id");
    }

    #[test]
    fn a_name_of_64_characters_or_more_gets_a_short_alias_with_dbts_md5() {
        // Recorded from dbt-core 1.12: `dbt ls --output-keys name alias`.
        let (full, short) = names(
            "accepted_values: {values: [placed, shipped, completed, returned]}",
            Some("status"),
            NodeKind::Model,
            "stg_orders",
        );
        assert_eq!(
            full,
            "accepted_values_stg_orders_status__placed__shipped__completed__returned"
        );
        assert_eq!(
            short,
            "accepted_values_stg_orders_7c9e0be389dac14a09b2140966f0792f"
        );
    }
}
