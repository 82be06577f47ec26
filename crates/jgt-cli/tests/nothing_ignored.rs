//! What jgt does not apply is said out loud, wherever it is written: a
//! schema-file key, a config in the project file's tree, a model's own
//! `config()`. Each warning names the key, the file and the line; a key no
//! dbt version knows gets the nearest valid one. The list of every key
//! dbt documents is walked in crates/jgt-project/tests/every_key.rs.

mod common;

use common::TempProject;

#[test]
fn keys_jgt_does_not_apply_are_named_with_file_and_line() {
    let p =
        TempProject::new("name: shop\nmodels:\n  shop:\n    +sql_header: \"set threads = 1\"\n");
    p.write(
        "models/orders.sql",
        "{{ config(\n    materialized='table',\n    full_refresh=false,\n    colour='red',\n) }}\nselect 1 as id",
    );
    p.write(
        "models/schema.yml",
        "version: 2\n\
         models:\n\
         \x20 - name: orders\n\
         \x20   deprecation_date: 2020-01-01\n\
         \x20   descripton: typo\n\
         \x20   tags: [daily]\n\
         \x20   columns:\n\
         \x20     - name: id\n\
         \x20       tags: [pii]\n\
         sources:\n\
         \x20 - name: raw\n\
         \x20   database: lake\n\
         \x20   tables:\n\
         \x20     - name: users\n",
    );
    let run = p.jgt(&["compile"]).ok();
    for expected in [
        "project.yml:4: 'models.shop.+sql_header': not applied by jgt yet: the header SQL does not run before the model",
        "models/orders.sql:3: config 'full_refresh': not applied by jgt yet",
        "models/orders.sql:4: config 'colour': no dbt version knows this config; it is not read.",
        "models/schema.yml:4: 'models.orders.deprecation_date': not applied by jgt yet",
        "models/schema.yml:5: 'models.orders.descripton': no dbt version knows this key here; it is not read. Did you mean 'description'?",
        "models/schema.yml:9: 'models.orders.columns.id.tags': not applied by jgt yet",
        "models/schema.yml:12: 'sources.raw.database': not applied by jgt yet: jgt reads sources from the target database",
    ] {
        assert!(run.stderr.contains(expected), "missing {expected:?} in:\n{}", run.stderr);
    }
    // Model-level `tags:` are honoured: selection finds the model.
    let listed = p.jgt(&["ls", "-s", "tag:daily"]).ok();
    assert!(listed.stdout.contains("orders"), "{}", listed.stdout);
}
