//! Configs jgt accepts (so dbt projects load) but does not act on yet.
//! Each one set on a node is named in a warning with the node's file, so
//! nothing a project asks for is dropped without a word.

use jgt_graph::NodeKind;
use serde_yaml::Value;

use crate::compile::CompiledNode;

/// The configs, with what a build without them lacks.
const NOT_APPLIED: [(&str, &str); 1] = [("grants", "no GRANT statements run")];

/// One warning per node and config that is set but not applied.
pub fn warnings(nodes: &[CompiledNode]) -> Vec<String> {
    let mut found = Vec::new();
    for node in nodes {
        if !matches!(node.kind, NodeKind::Model | NodeKind::Seed) {
            continue;
        }
        for (key, effect) in NOT_APPLIED {
            if node.config.other.get(key).is_some_and(asks_for_something) {
                found.push(format!(
                    "{}: config '{key}' is not applied by jgt yet: {effect}",
                    node.path.display()
                ));
            }
        }
    }
    found
}

/// Whether a config value asks for anything: not empty, not `false`, and
/// for a mapping (`contract: {enforced: false}`) some entry that does.
fn asks_for_something(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::String(text) => !text.trim().is_empty(),
        Value::Sequence(items) => items.iter().any(asks_for_something),
        Value::Mapping(map) => map.values().any(asks_for_something),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::asks_for_something;

    fn yaml(text: &str) -> serde_yaml::Value {
        serde_yaml::from_str(text).unwrap()
    }

    #[test]
    fn empty_and_switched_off_configs_ask_for_nothing() {
        assert!(!asks_for_something(&yaml("[]")));
        assert!(!asks_for_something(&yaml("''")));
        assert!(!asks_for_something(&yaml("{enforced: false}")));
        assert!(!asks_for_something(&yaml(
            "{relation: false, columns: false}"
        )));
    }

    #[test]
    fn hooks_grants_and_enforced_contracts_ask_for_something() {
        assert!(asks_for_something(&yaml(
            "\"grant select on {{ this }} to bob\""
        )));
        assert!(asks_for_something(&yaml("{select: [reporter]}")));
        assert!(asks_for_something(&yaml("{enforced: true}")));
    }
}
