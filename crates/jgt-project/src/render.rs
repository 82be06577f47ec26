//! Jinja inside project and profile values, rendered as dbt renders them.
//!
//! dbt renders every string of `dbt_project.yml` and `profiles.yml` that
//! holds `{{` or `{%` before it reads them, with `var()` (command-line vars
//! only: project vars are not known yet), `env_var()` and, in the project
//! file, `target`. The result is turned back into a typed value the way
//! dbt's native rendering does: `True` becomes a boolean, `4` a number.
//! Hooks are rendered later, at run time, and are left as written here.

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::{Environment, Error, ErrorKind, Value as JinjaValue};
use serde_yaml::Value;

use crate::error::ProjectError;

/// Prefixes of environment variables holding secrets, as dbt spells them.
const SECRET_PREFIXES: [&str; 2] = ["DBT_ENV_SECRET_", "JGT_ENV_SECRET_"];

/// What a rendered value may use.
#[derive(Debug, Clone, Default)]
pub struct RenderInputs {
    /// `--vars`, for `var()`.
    pub vars: BTreeMap<String, Value>,
    /// The environment, for `env_var()`.
    pub env: BTreeMap<String, String>,
    /// `target`, once the profile is read (`None` while reading it).
    pub target: Option<Value>,
    /// Whether `DBT_ENV_SECRET_*` variables may be read (profiles only).
    pub allow_secrets: bool,
}

/// Keys (after a leading `+`) whose values dbt renders only at run time.
const LATE_KEYS: [&str; 7] = [
    "on-run-start",
    "on-run-end",
    "query-comment",
    "pre-hook",
    "post-hook",
    "pre_hook",
    "post_hook",
];

/// Renders every templated string of `value` in place, leaving hooks and,
/// at the top level, `vars:` as written; a `value` that is not a mapping
/// (a profile's `target:`) is rendered whole. Errors name `path` and the
/// line of the value in `text`.
pub fn render_tree(
    value: &mut Value,
    inputs: &RenderInputs,
    path: &Path,
    text: &str,
) -> Result<(), ProjectError> {
    let env = environment(inputs);
    let Value::Mapping(map) = value else {
        return walk(value, &Value::Null, &env, path, text);
    };
    for (key, child) in map.iter_mut() {
        if key.as_str() == Some("vars") {
            continue;
        }
        walk(child, key, &env, path, text)?;
    }
    Ok(())
}

fn walk(
    value: &mut Value,
    key: &Value,
    env: &Environment<'static>,
    path: &Path,
    text: &str,
) -> Result<(), ProjectError> {
    if key
        .as_str()
        .is_some_and(|k| LATE_KEYS.contains(&k.trim_start_matches(['+', ' '])))
    {
        return Ok(());
    }
    match value {
        Value::String(template) if is_template(template) => {
            *value = render_one(env, template).map_err(|err| ProjectError::Render {
                path: path.into(),
                line: line_of_text(text, template),
                template: template.clone(),
                message: describe(&err),
            })?;
        }
        Value::Mapping(map) => {
            for (key, child) in map.iter_mut() {
                walk(child, key, env, path, text)?;
            }
        }
        Value::Sequence(items) => {
            for item in items {
                walk(item, key, env, path, text)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether a string holds Jinja.
pub fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// Renders one string and types the result.
pub fn render_one(env: &Environment<'static>, template: &str) -> Result<Value, Error> {
    let rendered = env.render_str(template, ())?;
    Ok(native(&rendered))
}

/// dbt's native rendering: a result that reads as a boolean, a number or
/// none becomes that value; anything else stays a string.
pub fn native(rendered: &str) -> Value {
    let trimmed = rendered.trim();
    match trimmed {
        "True" | "true" => return Value::Bool(true),
        "False" | "false" => return Value::Bool(false),
        "None" | "none" => return Value::Null,
        _ => {}
    }
    if let Ok(n) = trimmed.parse::<i64>() {
        return Value::Number(n.into());
    }
    if let Ok(f) = trimmed.parse::<f64>() {
        if trimmed.contains('.') && f.is_finite() {
            return Value::Number(f.into());
        }
    }
    Value::String(rendered.to_string())
}

/// A small environment with `var`, `env_var` and `target`.
pub fn environment(inputs: &RenderInputs) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let vars = inputs.vars.clone();
    env.add_function(
        "var",
        move |name: String, default: Option<JinjaValue>| -> Result<JinjaValue, Error> {
            match (vars.get(&name), default) {
                (Some(value), _) => Ok(JinjaValue::from_serialize(value)),
                (None, Some(default)) => Ok(default),
                (None, None) => Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!(
                        "required var '{name}' not found: project files see only --vars \
                         (project vars are read later, as in dbt); pass --vars or give a \
                         default: var('{name}', ...)"
                    ),
                )),
            }
        },
    );
    let environ = inputs.env.clone();
    let allow_secrets = inputs.allow_secrets;
    env.add_function(
        "env_var",
        move |name: String, default: Option<String>| -> Result<String, Error> {
            if !allow_secrets && SECRET_PREFIXES.iter().any(|p| name.starts_with(p)) {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!(
                        "env_var('{name}'): secret environment variables may be used only \
                         in profiles.yml, never in the project file"
                    ),
                ));
            }
            match (environ.get(&name), default) {
                (Some(value), _) => Ok(value.clone()),
                (None, Some(default)) => Ok(default),
                (None, None) => Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("env var required but not provided: '{name}'"),
                )),
            }
        },
    );
    if let Some(target) = &inputs.target {
        env.add_global("target", JinjaValue::from_serialize(target));
    }
    env
}

/// The message of a render error, with its cause.
fn describe(err: &Error) -> String {
    match err.detail() {
        Some(detail) => detail.to_string(),
        None => err.to_string(),
    }
}

/// The 1-based line holding the first line of `value` in `text` (0 when
/// it cannot be found): YAML values carry no positions.
pub fn line_of_text(text: &str, value: &str) -> usize {
    let first = value.lines().next().unwrap_or(value).trim();
    text.lines()
        .position(|line| !first.is_empty() && line.contains(first))
        .map_or(0, |n| n + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str, inputs: &RenderInputs) -> Result<Value, ProjectError> {
        let mut value: Value = serde_yaml::from_str(text).unwrap();
        render_tree(&mut value, inputs, Path::new("dbt_project.yml"), text)?;
        Ok(value)
    }

    #[test]
    fn rendered_values_become_typed_like_dbt_native_rendering() {
        let mut inputs = RenderInputs::default();
        inputs.vars.insert("load".into(), Value::Bool(true));
        inputs.env.insert("DEPTH".into(), "4".into());
        let text = "models:\n  p:\n    +enabled: \"{{ var('load', false) }}\"\n    +n: \"{{ env_var('DEPTH') }}\"\n    +off: \"{{ var('missing', false) }}\"\n";
        let value = render(text, &inputs).unwrap();
        let tree = &value["models"]["p"];
        assert_eq!(tree["+enabled"], Value::Bool(true));
        assert_eq!(tree["+n"], Value::Number(4.into()));
        assert_eq!(tree["+off"], Value::Bool(false));
    }

    #[test]
    fn target_and_env_defaults_are_available() {
        let inputs = RenderInputs {
            target: Some(serde_yaml::from_str("{name: prod, schema: analytics}").unwrap()),
            ..RenderInputs::default()
        };
        let text = "profile: \"{{ env_var('P', 'fallback') }}\"\nmodels:\n  +schema: \"{{ target.name }}_x\"\n";
        let value = render(text, &inputs).unwrap();
        assert_eq!(value["profile"], Value::String("fallback".into()));
        assert_eq!(value["models"]["+schema"], Value::String("prod_x".into()));
    }

    #[test]
    fn hooks_and_vars_are_left_for_run_time() {
        let text = "on-run-start: \"{{ this }}\"\nvars:\n  a: \"{{ b }}\"\nmodels:\n  +post-hook: \"{{ this }}\"\n";
        let value = render(text, &RenderInputs::default()).unwrap();
        assert_eq!(value["on-run-start"], Value::String("{{ this }}".into()));
        assert_eq!(
            value["models"]["+post-hook"],
            Value::String("{{ this }}".into())
        );
    }

    #[test]
    fn errors_name_the_line_and_secrets_stay_out_of_project_files() {
        let text = "name: p\nprofile: \"{{ env_var('DBT_ENV_SECRET_X') }}\"\n";
        let mut inputs = RenderInputs::default();
        inputs.env.insert("DBT_ENV_SECRET_X".into(), "s".into());
        let err = render(text, &inputs).unwrap_err().to_string();
        assert!(err.starts_with("dbt_project.yml:2:"), "{err}");
        assert!(err.contains("secret"), "{err}");
        let err = render("a: \"{{ var('nope') }}\"\n", &RenderInputs::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("required var 'nope' not found"), "{err}");
    }
}
