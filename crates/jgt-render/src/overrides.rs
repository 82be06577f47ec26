//! What a dbt unit test replaces while its model renders: macros that
//! return a fixed value (`is_incremental: true`), vars and environment
//! variables.

use std::collections::BTreeMap;

use minijinja::value::{Rest, Value};

/// A unit test's `overrides:`.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Macro name → the value every call returns.
    pub macros: BTreeMap<String, serde_yaml::Value>,
    /// Vars `var()` finds before any other.
    pub vars: BTreeMap<String, serde_yaml::Value>,
    /// Environment variables `env_var()` finds before the environment.
    pub env_vars: BTreeMap<String, String>,
}

impl Overrides {
    /// The value `is_incremental()` returns, when overridden.
    pub(crate) fn is_incremental(&self) -> Option<bool> {
        let value = self.macros.get("is_incremental")?;
        Some(match value {
            serde_yaml::Value::Bool(flag) => *flag,
            serde_yaml::Value::Null => false,
            serde_yaml::Value::String(text) => !text.is_empty(),
            _ => true,
        })
    }

    /// The overridden macros as functions for the template's context, so
    /// that a call in the model's own SQL returns the given value.
    pub(crate) fn functions(&self) -> BTreeMap<String, Value> {
        self.macros
            .iter()
            .filter(|(name, _)| name.as_str() != "is_incremental")
            .map(|(name, value)| {
                let value = Value::from_serialize(value);
                let function = Value::from_function(move |_: Rest<Value>| value.clone());
                (name.clone(), function)
            })
            .collect()
    }
}
