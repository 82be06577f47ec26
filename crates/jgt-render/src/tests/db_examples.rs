//! Rendering at execution time, with a database: `execute`, `run_query`,
//! `statement`/`load_result`, `get_relation`, `get_columns_in_relation`,
//! `graph`, and `needs_execution`.
//!
//! The database here is a fixed set of tables held in memory: jgt-render
//! cannot depend on the DuckDB adapter, and what is tested is what the
//! renderer does with the answers. Queries it does not know are refused,
//! the way a database refuses a statement.

use std::path::Path;
use std::sync::{Arc, Mutex};

use jgt_core::{Column, Introspect, QueryResult, Relation, RelationType};

use super::{catalog, project, renderer};
use crate::Rendered;

/// A database with one table, `main.users(id integer, email varchar)`,
/// that answers `select ...` queries from a fixed list.
#[derive(Default)]
struct FixedDb {
    /// Every statement it was sent, in order.
    sent: Mutex<Vec<String>>,
}

impl Introspect for FixedDb {
    fn query(&self, sql: &str) -> Result<QueryResult, String> {
        self.sent.lock().unwrap().push(sql.trim().to_string());
        match sql.trim() {
            "select id, email from main.users" => Ok(QueryResult {
                columns: vec!["id".into(), "email".into()],
                rows: vec![
                    vec![Some("1".into()), Some("a@x".into())],
                    vec![Some("2".into()), None],
                ],
            }),
            "select 2.50 as price, 'false' as flag, '007' as code" => Ok(QueryResult {
                columns: vec!["price".into(), "flag".into(), "code".into()],
                rows: vec![vec![
                    Some("2.50".into()),
                    Some("false".into()),
                    Some("007".into()),
                ]],
            }),
            other => Err(format!("Parser Error: syntax error at or near \"{other}\"")),
        }
    }

    fn relation_type(&self, relation: &Relation) -> Result<Option<RelationType>, String> {
        Ok((relation == &Relation::new("main", "users")).then_some(RelationType::Table))
    }

    fn columns(&self, relation: &Relation) -> Result<Vec<Column>, String> {
        if relation != &Relation::new("main", "users") {
            return Ok(Vec::new());
        }
        Ok(vec![
            Column {
                name: "id".into(),
                data_type: "INTEGER".into(),
            },
            Column {
                name: "email".into(),
                data_type: "VARCHAR".into(),
            },
            Column {
                name: "score".into(),
                data_type: "DECIMAL(10,2)".into(),
            },
        ])
    }
}

/// Renders `text` as the model `m` twice: while parsing and with the database.
fn both(text: &str) -> (Rendered, Result<Rendered, crate::RenderError>) {
    both_with(&[("models/m.sql", text)])
}

fn both_with(files: &[(&str, &str)]) -> (Rendered, Result<Rendered, crate::RenderError>) {
    let (_dir, project) = project(files);
    let renderer = renderer(&project).unwrap();
    let catalog = catalog(&["users"]);
    let path = Path::new("models/m.sql");
    let parsed = renderer.render(path, "m", &catalog, None, None).unwrap();
    let db: Arc<dyn Introspect> = Arc::new(FixedDb::default());
    let executed = renderer.render_with_db(path, "m", &catalog, None, None, db, None);
    (parsed, executed)
}

#[test]
fn execute_is_false_while_parsing_and_true_with_a_database() {
    let (parsed, executed) = both("{% if execute %}run{% else %}parse{% endif %} {{ execute }}");
    assert_eq!(parsed.sql, "parse False");
    assert!(parsed.needs_execution);
    assert_eq!(executed.unwrap().sql, "run True");
}

#[test]
fn templates_without_database_names_need_no_second_render() {
    let (parsed, _) = both("select * from {{ ref('users') }} -- executed_by: me");
    assert!(!parsed.needs_execution);
}

#[test]
fn a_macro_that_queries_makes_its_caller_need_execution() {
    let files = [
        ("macros/q.sql", "{% macro emails() %}{{ return(run_query('select id, email from main.users')) }}{% endmacro %}"),
        ("models/m.sql", "{% set t = emails() %}select 1"),
    ];
    let (parsed, executed) = both_with(&files);
    assert!(parsed.needs_execution, "the macro mentions run_query");
    assert_eq!(executed.unwrap().sql, "select 1");
}

#[test]
fn run_query_gives_none_while_parsing_and_a_table_with_a_database() {
    let text = "{% set t = run_query('select id, email from main.users') %}\
        {% if execute %}{{ t.column_names | join(',') }}|{{ t.rows | length }}|{{ t | length }}|\
        {{ t.rows[0][0] + 1 }}|{{ t.rows[0]['email'] }}|{{ t.rows[1].email }}|\
        {{ t.columns[0].values() | join(',') }}|{{ t.columns['email'].name }}|{{ t[1][0] }}|\
        {% for row in t.rows %}{% for v in row %}{{ v }};{% endfor %}{% endfor %}{{ t.print_table() }}\
        {% else %}{{ t is none }}{% endif %}";
    let (parsed, executed) = both(text);
    assert_eq!(parsed.sql, "True");
    assert_eq!(
        executed.unwrap().sql,
        "id,email|2|2|2|a@x|None|1,2|email|2|1;a@x;2;None;"
    );
}

#[test]
fn query_values_become_numbers_and_booleans_only_when_plainly_so() {
    let text = "{% if execute %}{% set r = run_query('select 2.50 as price, \\'false\\' as flag, \\'007\\' as code').rows[0] %}\
                {{ r.price * 2 }} {{ not r.flag }} {{ r.code }}{% endif %}";
    let (_, executed) = both(text);
    assert_eq!(executed.unwrap().sql, "5.0 True 007");
}

#[test]
fn statement_blocks_run_and_load_result_reads_them() {
    let text = "{% call statement('emails', fetch_result=True) %}\nselect id, email from main.users\n{% endcall %}\
        {% set r = load_result('emails') %}{% if execute %}{{ r['data'] | length }} {{ r['table'].columns[1].values()[0] }} \
        {{ r.response.rows_affected }}{% else %}{{ r }}{% endif %}";
    let (parsed, executed) = both(text);
    assert_eq!(parsed.sql, "None", "nothing runs while parsing");
    assert_eq!(executed.unwrap().sql, "2 a@x 2");
}

#[test]
fn database_errors_name_the_template_line() {
    let (_, executed) = both("select 1\n{% set t = run_query('selec 1') %}");
    let err = executed.unwrap_err();
    assert_eq!(err.code(), "JGT2030");
    let message = err.to_string();
    assert!(
        message.starts_with("models/m.sql:2: run_query: the database refused it: Parser Error"),
        "{message}"
    );
}

#[test]
fn get_relation_finds_existing_relations_only() {
    let text =
        "{% set r = adapter.get_relation(database='jgt', schema='main', identifier='users') %}\
        {% set missing = adapter.get_relation('jgt', 'main', 'nope') %}\
        {{ r }} {{ r.is_table if r else '-' }} {{ missing is none }}";
    let (parsed, executed) = both(text);
    assert_eq!(
        parsed.sql, "None - True",
        "parse phase: no relation, as in dbt"
    );
    assert_eq!(executed.unwrap().sql, r#""jgt"."main"."users" True True"#);
}

#[test]
fn get_columns_in_relation_lists_typed_columns() {
    let text = "{% for c in adapter.get_columns_in_relation(ref('users')) %}\
        {{ c.name }}:{{ c.data_type }}:{{ c.quoted }}:{{ c.is_string() }}{{ c.is_number() }}{{ c.is_integer() }}{{ c.is_numeric() }};\
        {% endfor %}";
    let (parsed, executed) = both(text);
    assert_eq!(parsed.sql, "");
    assert_eq!(
        executed.unwrap().sql,
        r#"id:INTEGER:"id":FalseTrueTrueFalse;email:VARCHAR:"email":TrueFalseFalseFalse;score:DECIMAL(10,2):"score":FalseTrueFalseTrue;"#
    );
}

#[test]
fn graph_is_empty_while_parsing_and_given_with_a_database() {
    let files = [("models/m.sql", "{{ graph.nodes | length }}{% for n in graph.nodes.values() %} {{ n.name }}:{{ n.resource_type }}{% endfor %}")];
    let (_dir, project) = project(&files);
    let mut renderer = renderer(&project).unwrap();
    let node = crate::graph_node(
        "model.demo.users",
        "model",
        "users",
        "demo",
        Path::new("models/users.sql"),
        serde_json::json!({"materialized": "view", "tags": ["a"]}),
        &[],
        &[("id".to_string(), Some("integer".to_string()))],
    );
    renderer.set_graph(
        serde_json::json!({"nodes": {"model.demo.users": node}, "sources": {}, "macros": {}}),
    );
    let path = Path::new("models/m.sql");
    let catalog = catalog(&["users"]);
    let parsed = renderer.render(path, "m", &catalog, None, None).unwrap();
    assert_eq!(parsed.sql, "0");
    assert!(parsed.needs_execution);
    let db: Arc<dyn Introspect> = Arc::new(FixedDb::default());
    let executed = renderer
        .render_with_db(path, "m", &catalog, None, None, db, None)
        .unwrap();
    assert_eq!(executed.sql, "1 users:model");
}

#[test]
fn call_macro_runs_an_operation_with_arguments() {
    let files = [(
        "macros/ops.sql",
        "{% macro grant(role, dry_run=false) %}{% if execute %}{% set t = run_query('select id, email from main.users') %}\
         grant {{ role }} on {{ t.rows | length }} rows{% endif %}{% endmacro %}",
    )];
    let (_dir, project) = project(&files);
    let renderer = renderer(&project).unwrap();
    let args = serde_yaml::from_str("{role: reader}").unwrap();
    let db: Arc<dyn Introspect> = Arc::new(FixedDb::default());
    let out = renderer
        .call_macro("grant", &args, &catalog(&[]), Some(db))
        .unwrap();
    assert_eq!(out.sql, "grant reader on 2 rows");
    let parsed = renderer
        .call_macro("grant", &args, &catalog(&[]), None)
        .unwrap();
    assert_eq!(parsed.sql, "");
    let err = renderer
        .call_macro("grnt", &args, &catalog(&[]), None)
        .unwrap_err();
    assert_eq!(err.code(), "JGT2031");
    let err = err.to_string();
    assert!(
        err.contains("no macro named 'grnt'") && err.contains("Did you mean 'grant'?"),
        "{err}"
    );
}
