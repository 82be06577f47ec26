//! A unit test as `manifest.json`'s `unit_tests` section describes it.

use jgt_core::{Fixture, FixtureValue};
use serde_json::{json, Value};

use super::types::ManifestNode;
use crate::compile::CompiledNode;

/// The manifest entry of a unit test node: the node's common fields with
/// dbt's `model`, `given` and `expect`.
pub(super) fn entry(node: &CompiledNode, common: ManifestNode) -> Value {
    let mut value = serde_json::to_value(common).unwrap_or(Value::Null);
    let Some(unit) = &node.unit_test else {
        return value;
    };
    let work = &unit.work;
    if let Value::Object(map) = &mut value {
        map.insert("model".into(), json!(work.model));
        map.insert("name".into(), json!(work.test));
        let given: Vec<Value> = work
            .inputs
            .iter()
            .map(|input| json!({"input": input.input, "rows": rows(&input.fixture), "format": format(&input.fixture)}))
            .collect();
        map.insert("given".into(), Value::Array(given));
        map.insert(
            "expect".into(),
            json!({"rows": rows(&work.expected), "format": format(&work.expected)}),
        );
    }
    value
}

fn format(fixture: &Fixture) -> &'static str {
    match fixture {
        Fixture::Rows(_) => "dict",
        Fixture::Sql(_) => "sql",
    }
}

fn rows(fixture: &Fixture) -> Value {
    match fixture {
        Fixture::Sql(sql) => json!(sql),
        Fixture::Rows(rows) => rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|(column, value)| (column.clone(), cell(value)))
                    .collect::<serde_json::Map<String, Value>>()
                    .into()
            })
            .collect::<Vec<Value>>()
            .into(),
    }
}

fn cell(value: &FixtureValue) -> Value {
    match value {
        FixtureValue::Null => Value::Null,
        FixtureValue::Text(text) => json!(text),
        FixtureValue::Number(number) => number
            .parse::<serde_json::Number>()
            .map(Value::Number)
            .unwrap_or_else(|_| json!(number)),
        FixtureValue::Bool(flag) => json!(flag),
    }
}
