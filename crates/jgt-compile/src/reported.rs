//! Configs a model's own `config()` sets that jgt does not apply, or that
//! no dbt version knows: each named in a warning with the file and line,
//! as [`jgt_project::keys`] classifies them.

use jgt_project::keys::{status, unapplied_config, NODE_CONFIG};
use jgt_project::suggest::{did_you_mean, nearest};
use jgt_project::ModelFile;
use jgt_render::Rendered;

/// One warning per `config()` key of each model that jgt does not apply
/// or does not know.
pub(crate) fn sql_configs(models: &[ModelFile], rendered: &[Rendered]) -> Vec<String> {
    let mut found = Vec::new();
    for (model, out) in models.iter().zip(rendered) {
        for (key, value) in &out.config {
            let asks = jgt_project::keys::asks_for_something(key, value);
            let why = match status(NODE_CONFIG, key) {
                None => format!(
                    "no dbt version knows this config; it is not read.{}",
                    did_you_mean(&nearest(key, NODE_CONFIG.iter().map(|(k, _)| *k)))
                ),
                Some(_) => match unapplied_config(key).filter(|_| asks) {
                    Some(why) => format!("not applied by jgt yet: {why}"),
                    None => continue,
                },
            };
            found.push(format!(
                "{}:{}: config '{key}': {why}",
                model.path.display(),
                line_of_config(&model.raw_sql, key)
            ));
        }
    }
    found
}

/// The 1-based line where `key=` is written in a `config()` call (the
/// first line mentioning `config` when the key is not found; 0 if none).
fn line_of_config(sql: &str, key: &str) -> usize {
    let find = |needle: &dyn Fn(&str) -> bool| sql.lines().position(needle).map(|n| n + 1);
    find(&|line: &str| {
        line.match_indices(key).any(|(at, _)| {
            line[at + key.len()..].trim_start().starts_with('=')
                || line[at + key.len()..]
                    .trim_start_matches(['\'', '"'])
                    .trim_start()
                    .starts_with(':')
        })
    })
    .or_else(|| find(&|line: &str| line.contains("config(")))
    .unwrap_or(0)
}
