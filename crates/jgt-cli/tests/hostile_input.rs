//! jgt against hostile or careless input: every case runs the real binary
//! on a temporary project and asserts the message, the exit code, that
//! nothing panicked, and (where a database exists) that it is unchanged.
//! The process-level cases (signals, pipes, locks, kill -9, full disks) are
//! in `hostile_process.rs`; the docs server's in `serve.rs`.
//!
//! | # | case | expected |
//! |---|---|---|
//! | 1 | seed with ragged rows | `seeds/r.csv:3:` names the row; nothing loaded |
//! | 2 | ragged seed over a good one | refused; the old table keeps its rows |
//! | 3 | seed with LF and CRLF rows | every row loads, no stray `\r` |
//! | 4 | empty seed file | "is empty", exit 1 |
//! | 5 | seed with an unclosed quote | names the line the quote opens on |
//! | 6 | seed with a byte-order mark | first column named without it |
//! | 7 | quoted delimiter and line break in a seed | one field each |
//! | 8 | seed with only a header | a table with no rows |
//! | 9 | seed file name with a space and a capital | loads under its quoted name |
//! | 10 | `--db` naming an existing CSV file | refused, file byte-identical |
//! | 11 | `--db` naming a new `.csv` path | saved as a real DuckDB file (or refused), never lost |
//! | 12 | `--db :memory:` | refused |
//! | 13 | `--db` naming a folder | refused |
//! | 14 | `--db` naming a file of another kind | refused, file unchanged |
//! | 15 | `--db` under a path that cannot exist | error names the path |
//! | 16 | model `select 1; drop table victim` | refused, names the file; victim intact |
//! | 17 | `;` hidden in a string, then a second statement | refused |
//! | 18 | `drop` inside a comment or dollar quote | not a statement: builds |
//! | 19 | schema column name with `) t; drop table …` | refused at compile, victim intact |
//! | 20 | column with `quote: true` and a space | its tests run quoted and pass |
//! | 21 | singular test with two statements | refused, names the test file |
//! | 22 | `; -- comment` ending a table model | builds |
//! | 23 | `; -- comment` ending a model under `show` | previews |
//! | 24 | `; -- comment` ending an ephemeral model | inlined, builds |
//! | 25 | `; -- comment` ending a singular test | runs |
//! | 26 | `; -- comment` ending an incremental model, twice | appends |
//! | 27 | model of only a comment | "holds no SQL statement", names the file |
//! | 28 | model of only `;` | same |
//! | 29 | `env_var('DBT_ENV_SECRET_…')` in a model | refused; the value is nowhere |
//! | 30 | `env_var('JGT_ENV_SECRET_…')` in a macro | refused; the value is nowhere |
//! | 31 | an ordinary `env_var` | still works |
//! | 32 | `project.yml` value of the wrong type | names key and line |
//! | 33 | `project.yml` without `name` | `project.yml:1:1` |
//! | 34 | `seed-paths` outside the project | refused with its line |
//! | 35 | SQL error on line 3 of a model | DuckDB's `LINE 3:` |
//! | 36 | error inside an ephemeral model | blames the ephemeral model's file |
//! | 37 | undefined Jinja variable | the variable is named |
//! | 38 | YAML syntax error in a schema file | file, line and column |
//! | 39 | Jinja syntax error | file and line |
//! | 40 | unknown `ref` | file, line, nearest name |
//! | 41 | a cycle | every model of it |
//! | 42 | two nodes with one name | both files |
//! | 43 | unknown `project.yml` key | did-you-mean |
//! | 44 | model file that is not UTF-8 | names the file |
//! | 45 | no `project.yml` | says where it looked |
//! | 46 | `--project-dir` that does not exist | clear error |
//! | 47 | `--vars` that is not a mapping | names the flag |
//! | 48 | `--select` of an unknown name | nearest name |
//! | 49 | selector `3+` | clear error |
//! | 50 | `show` of an unknown model | nearest name |
//! | 51 | `show` before any build | says to build; creates no database |
//! | 52 | `show` leaves the database file untouched | same bytes |
//! | 53 | model named after a keyword (`select.sql`) | builds quoted |
//! | 54 | model file name with unicode | builds |
//! | 55 | `--threads 0` | builds |
//! | 56 | model that refs itself | cycle error |

mod common;

use common::TempProject;

const PROJECT: &str = "name: demo\n";

/// A project holding a `victim` table that injected SQL would drop.
fn with_victim() -> TempProject {
    let p = TempProject::new(PROJECT);
    p.write(
        "models/victim.sql",
        "{{ config(materialized='table') }}\nselect 42 as id",
    );
    p.jgt(&["run"]).ok();
    p
}

fn victim_rows(p: &TempProject) -> String {
    p.scalar("select count(*) from main.victim")
}

// --- seeds ---------------------------------------------------------------

#[test]
fn c01_a_ragged_seed_names_its_row_and_loads_nothing() {
    let p = TempProject::new(PROJECT);
    p.write("seeds/r.csv", "a,b\n1,2\n3\n4,5,6\n");
    let run = p.jgt(&["seed"]).failed().no_panic();
    assert!(
        run.all().contains(
            "seeds/r.csv:3: this row has 1 value but the header on line 1 names 2 columns"
        ),
        "{}",
        run.all()
    );
    assert!(p.fingerprint().iter().all(|row| row[1] != "r"));
}

#[test]
fn c02_a_ragged_seed_keeps_the_previous_table() {
    let p = TempProject::new(PROJECT);
    p.write("seeds/r.csv", "a,b\n1,2\n");
    p.jgt(&["seed"]).ok();
    let before = p.fingerprint();
    p.write("seeds/r.csv", "a,b\n1,2\n3\n");
    p.jgt(&["seed"]).failed().no_panic();
    assert_eq!(p.fingerprint(), before);
}

#[test]
fn c03_mixed_line_endings_load_every_row() {
    let p = TempProject::new(PROJECT);
    p.write("seeds/m.csv", "a,b\n1,x\n2,y\r\n3,z\r\n");
    p.jgt(&["seed"]).ok();
    assert_eq!(
        p.query("select a, b, length(b) from main.m order by a"),
        [["1", "x", "1"], ["2", "y", "1"], ["3", "z", "1"]]
    );
}

#[test]
fn c04_an_empty_seed_is_refused() {
    let p = TempProject::new(PROJECT);
    p.write("seeds/e.csv", "");
    let run = p.jgt(&["seed"]).failed().no_panic();
    assert!(run.all().contains("seeds/e.csv: is empty"), "{}", run.all());
}

#[test]
fn c05_an_unclosed_quote_names_its_line() {
    let p = TempProject::new(PROJECT);
    p.write("seeds/q.csv", "a,b\n1,2\n\"open,3\n4,5\n");
    let run = p.jgt(&["seed"]).failed().no_panic();
    assert!(
        run.all()
            .contains("seeds/q.csv:3: a quoted value opens here"),
        "{}",
        run.all()
    );
}

#[test]
fn c06_a_byte_order_mark_is_not_part_of_the_first_name() {
    let p = TempProject::new(PROJECT);
    p.write("seeds/bom.csv", "\u{feff}id,name\n1,a\n");
    p.jgt(&["seed"]).ok();
    assert_eq!(p.scalar("select id from main.bom"), "1");
}

#[test]
fn c07_quoted_delimiters_and_line_breaks_stay_in_one_field() {
    let p = TempProject::new(PROJECT);
    p.write("seeds/q.csv", "id,text\n1,\"a, b\"\n2,\"two\nlines\"\n");
    p.jgt(&["seed"]).ok();
    assert_eq!(
        p.query("select text from main.q order by id"),
        [["a, b"], ["two\nlines"]]
    );
}

#[test]
fn c08_a_header_only_seed_is_an_empty_table() {
    let p = TempProject::new(PROJECT);
    p.write("seeds/h.csv", "a,b\n");
    p.jgt(&["seed"]).ok();
    assert_eq!(p.scalar("select count(*) from main.h"), "0");
}

#[test]
fn c09_an_awkward_seed_name_loads_quoted() {
    let p = TempProject::new(PROJECT);
    p.write("seeds/My Seed.csv", "id\n1\n2\n");
    p.jgt(&["seed"]).ok();
    assert_eq!(p.scalar("select count(*) from main.\"My Seed\""), "2");
}

// --- database paths --------------------------------------------------------

#[test]
fn c10_an_existing_csv_given_as_database_is_left_untouched() {
    let p = TempProject::new(PROJECT);
    p.write("models/a.sql", "select 1 as id");
    p.write("data.csv", "id\n1\n");
    let run = p
        .jgt(&["run", "--db", "data.csv"])
        .refused("not a DuckDB database");
    assert!(run.all().contains("data.csv"), "{}", run.all());
    assert_eq!(
        std::fs::read(p.path().join("data.csv")).unwrap(),
        b"id\n1\n"
    );
}

#[test]
fn c11_a_new_path_ending_in_csv_is_saved_as_a_database_file() {
    let p = TempProject::new(PROJECT);
    p.write("models/a.sql", "select 1 as id");
    let run = p.jgt(&["run", "--db", "out.csv"]).no_panic();
    if run.success {
        // Whatever the name, what "Everything passed" reports is on disk.
        let db = p.path().join("out.csv");
        assert_eq!(common::query(&db, "select id from main.a"), [["1"]]);
    } else {
        assert!(
            run.all().contains("not keep this database in a file"),
            "{}",
            run.all()
        );
    }
}

#[test]
fn c12_an_in_memory_database_is_refused() {
    let p = TempProject::new(PROJECT);
    p.write("models/a.sql", "select 1 as id");
    p.jgt(&["run", "--db", ":memory:"])
        .refused("not an in-memory database");
}

#[test]
fn c13_a_folder_as_database_is_refused() {
    let p = TempProject::new(PROJECT);
    p.write("models/a.sql", "select 1 as id");
    std::fs::create_dir_all(p.path().join("dir.duckdb")).unwrap();
    p.jgt(&["run", "--db", "dir.duckdb"]).refused("is a folder");
}

#[test]
fn c14_a_file_of_another_kind_is_refused_and_unchanged() {
    let p = TempProject::new(PROJECT);
    p.write("models/a.sql", "select 1 as id");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    std::fs::write(p.path().join("pic.duckdb"), &png).unwrap();
    p.jgt(&["run", "--db", "pic.duckdb"])
        .refused("not a DuckDB database");
    assert_eq!(std::fs::read(p.path().join("pic.duckdb")).unwrap(), png);
}

#[test]
fn c15_a_database_path_that_cannot_exist_is_named() {
    let p = TempProject::new(PROJECT);
    p.write("models/a.sql", "select 1 as id");
    p.jgt(&["run", "--db", "/proc/no/such/dir/x.duckdb"])
        .refused("/proc/no/such/dir/x.duckdb");
}

// --- one statement ---------------------------------------------------------

#[test]
fn c16_a_second_statement_in_a_model_is_refused() {
    let p = with_victim();
    p.write("models/m.sql", "select 1 as a; drop table victim");
    p.jgt(&["run"])
        .refused("models/m.sql: the model m holds 2 SQL statements");
    assert_eq!(victim_rows(&p), "1");
}

#[test]
fn c17_a_semicolon_in_a_string_does_not_hide_a_second_statement() {
    let p = with_victim();
    p.write(
        "models/m.sql",
        "select 'a;b' as a, \"x;\" from (select 1 as \"x;\"); drop table victim",
    );
    p.jgt(&["run"]).refused("holds 2 SQL statements");
    assert_eq!(victim_rows(&p), "1");
}

#[test]
fn c18_drop_inside_comments_and_dollar_quotes_is_text() {
    let p = with_victim();
    p.write(
        "models/m.sql",
        "select $$; drop table victim;$$ as a /* ; drop table victim; */ -- ; drop table victim",
    );
    p.jgt(&["run"]).ok();
    assert_eq!(victim_rows(&p), "1");
    assert_eq!(p.scalar("select a from main.m"), "; drop table victim;");
}

#[test]
fn c19_an_injected_column_name_is_refused_at_compile() {
    let p = with_victim();
    p.write(
        "models/schema.yml",
        "version: 2\nmodels:\n  - name: victim\n    columns:\n      - name: \"id) t; drop table victim; select (1\"\n        data_tests: [not_null]\n",
    );
    let run = p
        .jgt(&["build"])
        .refused("models/schema.yml: the generic test");
    assert!(run.all().contains("quote: true"), "{}", run.all());
    assert_eq!(victim_rows(&p), "1");
}

#[test]
fn c20_a_quoted_column_with_a_space_is_tested() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "select 1 as \"order id\"");
    p.write(
        "models/schema.yml",
        "version: 2\nmodels:\n  - name: m\n    columns:\n      - name: order id\n        quote: true\n        data_tests: [not_null, unique]\n",
    );
    let run = p.jgt(&["build"]).ok();
    assert!(
        run.stdout.contains("2 passed") || run.stdout.contains("PASS"),
        "{}",
        run.stdout
    );
}

#[test]
fn c21_a_singular_test_with_two_statements_is_refused() {
    let p = with_victim();
    p.write(
        "tests/t.sql",
        "select * from {{ ref('victim') }} where false; drop table victim",
    );
    p.jgt(&["build"])
        .refused("tests/t.sql: the singular test t holds 2 SQL statements");
    assert_eq!(victim_rows(&p), "1");
}

#[test]
fn c22_a_trailing_comment_after_the_semicolon_builds_a_table() {
    let p = TempProject::new(PROJECT);
    p.write(
        "models/m.sql",
        "{{ config(materialized='table') }}\nselect 1 as a; -- done",
    );
    p.jgt(&["run"]).ok();
    assert_eq!(p.scalar("select a from main.m"), "1");
}

#[test]
fn c23_a_trailing_comment_after_the_semicolon_previews() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "select 7 as a; -- done");
    p.jgt(&["run"]).ok();
    let run = p.jgt(&["show", "m"]).ok();
    assert!(run.stdout.contains('7'), "{}", run.stdout);
}

#[test]
fn c24_a_trailing_comment_in_an_ephemeral_model_inlines() {
    let p = TempProject::new(PROJECT);
    p.write(
        "models/e.sql",
        "{{ config(materialized='ephemeral') }}\nselect 3 as a; -- done",
    );
    p.write("models/m.sql", "select a from {{ ref('e') }}; -- also");
    p.jgt(&["run"]).ok();
    assert_eq!(p.scalar("select a from main.m"), "3");
}

#[test]
fn c25_a_trailing_comment_in_a_singular_test_runs() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "select 1 as a");
    p.write(
        "tests/t.sql",
        "select * from {{ ref('m') }} where a <> 1; -- no rows",
    );
    let run = p.jgt(&["build"]).ok();
    assert!(run.all().contains("t"), "{}", run.all());
}

#[test]
fn c26_a_trailing_comment_in_an_incremental_model_appends() {
    let p = TempProject::new(PROJECT);
    p.write(
        "models/i.sql",
        "{{ config(materialized='incremental') }}\nselect 1 as a; -- done",
    );
    p.jgt(&["run"]).ok();
    p.jgt(&["run"]).ok();
    assert_eq!(p.scalar("select count(*) from main.i"), "2");
}

#[test]
fn c27_a_model_of_only_a_comment_is_refused() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "-- nothing here yet\n");
    p.jgt(&["run"])
        .refused("models/m.sql: the model m holds no SQL statement");
}

#[test]
fn c28_a_model_of_only_a_semicolon_is_refused() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", ";\n");
    p.jgt(&["run"]).refused("holds no SQL statement");
}

// --- secrets -----------------------------------------------------------------

const SECRET: &str = "hunter2-4f9c1b";

/// Asserts the secret value appears in no output, no file under the
/// project (target/, artifacts) and not in the database file.
fn assert_secret_nowhere(p: &TempProject, run: &common::Run) {
    assert!(
        !run.all().contains(SECRET),
        "secret printed:\n{}",
        run.all()
    );
    for (path, bytes) in p.files_under(".") {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(SECRET), "secret found in {path}");
    }
}

#[test]
fn c29_a_secret_env_var_in_a_model_is_refused_and_never_shown() {
    let p = TempProject::new(PROJECT);
    p.write("models/a.sql", "select 1 as id");
    p.write(
        "models/m.sql",
        "select '{{ env_var('DBT_ENV_SECRET_PW') }}' as pw",
    );
    let run = p
        .jgt_env(&["build"], &[("DBT_ENV_SECRET_PW", SECRET)])
        .refused("a secret environment variable (DBT_ENV_SECRET_*)");
    assert_secret_nowhere(&p, &run);
}

#[test]
fn c30_a_secret_env_var_in_a_macro_is_refused_and_never_shown() {
    let p = TempProject::new(PROJECT);
    p.write(
        "macros/pw.sql",
        "{% macro pw() %}'{{ env_var('JGT_ENV_SECRET_PW') }}'{% endmacro %}",
    );
    p.write("models/m.sql", "select {{ pw() }} as pw");
    let run = p
        .jgt_env(&["build"], &[("JGT_ENV_SECRET_PW", SECRET)])
        .refused("JGT_ENV_SECRET_");
    assert_secret_nowhere(&p, &run);
}

#[test]
fn c31_an_ordinary_env_var_still_works() {
    let p = TempProject::new(PROJECT);
    p.write(
        "models/m.sql",
        "select '{{ env_var('JGT_TEST_REGION') }}' as region",
    );
    p.jgt_env(&["run"], &[("JGT_TEST_REGION", "eu")]).ok();
    assert_eq!(p.scalar("select region from main.m"), "eu");
}

// --- positions -----------------------------------------------------------------

#[test]
fn c32_a_project_value_of_the_wrong_type_names_key_and_line() {
    let p = TempProject::new("name: demo\nvars: {a: 1}\nmodel-paths: models\n");
    p.jgt(&["run"])
        .refused("project.yml:3:14: invalid value for 'model-paths'");
}

#[test]
fn c33_a_project_without_a_name_is_named() {
    let p = TempProject::new("models: {}\n");
    p.jgt(&["run"])
        .refused("project.yml:1:1: the project has no 'name'");
}

#[test]
fn c34_seed_paths_outside_the_project_are_refused() {
    let p = TempProject::new("name: demo\nseed-paths: ['../elsewhere']\n");
    p.jgt(&["seed"])
        .refused("project.yml:2:1: seed-paths entry '../elsewhere' is outside the project folder");
}

#[test]
fn c35_a_sql_error_names_the_line_of_the_compiled_file() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "select\n  1 as a,\n  no_such_column as b");
    let run = p.jgt(&["run"]).failed().no_panic();
    assert!(run.all().contains("LINE 3:"), "{}", run.all());
}

#[test]
fn c36_an_error_in_an_ephemeral_model_blames_its_file() {
    let p = TempProject::new(PROJECT);
    p.write(
        "models/e.sql",
        "{{ config(materialized='ephemeral') }}\nselect no_such_column as a",
    );
    p.write("models/m.sql", "select a from {{ ref('e') }}");
    let run = p.jgt(&["run"]).failed().no_panic();
    assert!(
        run.all()
            .contains("the error is in ephemeral model e (models/e.sql)"),
        "{}",
        run.all()
    );
}

#[test]
fn c37_an_undefined_variable_is_named() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "select {{ my_undefined_thing }} as a");
    p.jgt(&["run"])
        .refused("models/m.sql:1: 'my_undefined_thing' is undefined");
}

#[test]
fn c38_a_yaml_syntax_error_names_file_line_and_column() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "select 1 as a");
    p.write(
        "models/schema.yml",
        "version: 2\nmodels:\n  - name: m\n   bad: [\n",
    );
    p.jgt(&["run"]).refused("models/schema.yml:4:");
}

#[test]
fn c39_a_jinja_syntax_error_names_file_and_line() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "select 1 as a\n{% if %}\n");
    p.jgt(&["run"]).refused("models/m.sql:2:");
}

#[test]
fn c40_an_unknown_ref_names_the_nearest_model() {
    let p = TempProject::new(PROJECT);
    p.write("models/orders.sql", "select 1 as id");
    p.write("models/m.sql", "select * from {{ ref('order') }}");
    p.jgt(&["run"]).refused("Did you mean 'orders'?");
}

#[test]
fn c41_a_cycle_names_its_models() {
    let p = TempProject::new(PROJECT);
    p.write("models/a.sql", "select * from {{ ref('b') }}");
    p.write("models/b.sql", "select * from {{ ref('a') }}");
    p.jgt(&["run"]).refused("dependency cycle");
}

#[test]
fn c42_two_nodes_with_one_name_name_both_files() {
    let p = TempProject::new(PROJECT);
    p.write("models/x/m.sql", "select 1 as a");
    p.write("models/y/m.sql", "select 2 as a");
    let run = p.jgt(&["run"]).refused("two nodes are named 'm'");
    assert!(run.all().contains("models/x/m.sql") && run.all().contains("models/y/m.sql"));
}

#[test]
fn c43_an_unknown_project_key_suggests_one() {
    let p = TempProject::new("name: demo\nseed-path: [seeds]\n");
    p.jgt(&["run"]).refused("Did you mean 'seed-paths'?");
}

#[test]
fn c44_a_model_that_is_not_utf8_is_named() {
    let p = TempProject::new(PROJECT);
    std::fs::create_dir_all(p.path().join("models")).unwrap();
    std::fs::write(p.path().join("models/bin.sql"), b"select '\xff\xfe' as a").unwrap();
    p.jgt(&["run"]).refused("bin.sql");
}

#[test]
fn c45_no_project_file_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::Run::from(
        std::process::Command::new(env!("CARGO_BIN_EXE_jgt"))
            .arg("run")
            .current_dir(dir.path())
            .output()
            .unwrap(),
    );
    run.refused("no project.yml");
}

#[test]
fn c46_a_missing_project_dir_is_an_error() {
    let p = TempProject::new(PROJECT);
    p.jgt(&["run", "--project-dir", "no/such/folder"])
        .refused("no/such/folder");
}

#[test]
fn c47_vars_that_are_not_a_mapping_name_the_flag() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "select 1 as a");
    p.jgt(&["run", "--vars", "[1, 2"]).refused("--vars");
}

#[test]
fn c48_selecting_an_unknown_name_suggests_one() {
    let p = TempProject::new(PROJECT);
    p.write("models/orders.sql", "select 1 as id");
    p.jgt(&["run", "-s", "ordrs"]).refused("orders");
}

#[test]
fn c49_a_malformed_selector_is_an_error() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "select 1 as a");
    p.jgt(&["run", "-s", "3+"]).failed().no_panic();
}

#[test]
fn c50_show_of_an_unknown_model_suggests_one() {
    let p = TempProject::new(PROJECT);
    p.write("models/orders.sql", "select 1 as id");
    p.jgt(&["show", "order"]).refused("Did you mean 'orders'?");
}

#[test]
fn c51_show_before_a_build_creates_no_database() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "select 1 as a");
    p.jgt(&["show", "m"]).refused("run jgt build first");
    assert!(!p.db().exists());
}

#[test]
fn c52_show_leaves_the_database_file_untouched() {
    let p = TempProject::new(PROJECT);
    p.write(
        "models/m.sql",
        "{{ config(materialized='table') }}\nselect 1 as a",
    );
    p.jgt(&["run"]).ok();
    let before = std::fs::read(p.db()).unwrap();
    p.jgt(&["show", "m"]).ok();
    assert!(
        std::fs::read(p.db()).unwrap() == before,
        "show wrote to the database"
    );
}

#[test]
fn c53_a_keyword_model_name_builds_quoted() {
    let p = TempProject::new(PROJECT);
    p.write("models/select.sql", "select 1 as \"from\"");
    p.jgt(&["run"]).ok();
    assert_eq!(p.scalar("select \"from\" from main.\"select\""), "1");
}

#[test]
fn c54_a_unicode_model_name_builds() {
    let p = TempProject::new(PROJECT);
    p.write("models/café.sql", "select 1 as a");
    p.jgt(&["run"]).ok();
    assert_eq!(p.scalar("select a from main.\"café\""), "1");
}

#[test]
fn c55_zero_threads_still_builds() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "select 1 as a");
    p.jgt(&["run", "--threads", "0"]).ok();
}

#[test]
fn c56_a_model_that_refs_itself_is_a_cycle() {
    let p = TempProject::new(PROJECT);
    p.write("models/m.sql", "select * from {{ ref('m') }}");
    p.jgt(&["run"]).failed().no_panic();
}
