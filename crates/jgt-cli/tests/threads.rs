//! `--threads N` builds independent nodes at once and ends with exactly
//! the tables one thread builds, skips included.

mod common;

use common::TempProject;

/// A wide project: one seed, 4 layers of 12 table models, each reading two
/// models of the layer above; `broken_model` fails, if given.
fn wide(broken_model: Option<&str>) -> TempProject {
    let p = TempProject::new("name: wide\nmodels:\n  +materialized: table\n");
    let rows: String = (0..200).map(|i| format!("{i},{}\n", i * 7 % 13)).collect();
    p.write("seeds/numbers.csv", &format!("n,v\n{rows}"));
    for layer in 0..4 {
        for i in 0..12 {
            let name = format!("m{layer}_{i}");
            let sql = if layer == 0 {
                format!("select n, v * {i} as v from {{{{ ref('numbers') }}}}")
            } else {
                let a = format!("m{}_{}", layer - 1, i);
                let b = format!("m{}_{}", layer - 1, (i + 1) % 12);
                format!(
                    "select a.n, a.v + b.v + {layer} as v from {{{{ ref('{a}') }}}} a join {{{{ ref('{b}') }}}} b using (n)"
                )
            };
            let sql = if broken_model == Some(name.as_str()) {
                sql.replace("select", "select no_such_column,")
            } else {
                sql
            };
            p.write(&format!("models/layer{layer}/{name}.sql"), &sql);
        }
    }
    p
}

/// Every table's name and a checksum of its rows.
fn fingerprint(p: &TempProject, db: &str) -> Vec<Vec<String>> {
    let db = p.path().join(db);
    let tables = common::query(
        &db,
        "select table_name from information_schema.tables where table_schema = 'main' order by 1",
    );
    tables
        .into_iter()
        .map(|t| {
            let sum = common::query(
                &db,
                &format!("select coalesce(sum(hash(n, v)), 0) from main.\"{}\"", t[0]),
            );
            vec![t[0].clone(), sum[0][0].clone()]
        })
        .collect()
}

#[test]
fn four_threads_build_the_same_tables_as_one() {
    let p = wide(None);
    p.jgt(&["build", "--threads", "1", "--db", "one.duckdb"])
        .ok();
    let run = p
        .jgt(&["build", "--threads", "4", "--db", "four.duckdb"])
        .ok();
    assert!(run.stdout.contains("49 of 49"), "{}", run.stdout);
    let one = fingerprint(&p, "one.duckdb");
    assert_eq!(one.len(), 49);
    assert_eq!(one, fingerprint(&p, "four.duckdb"));
}

#[test]
fn four_threads_skip_exactly_what_one_thread_skips() {
    let p = wide(Some("m1_3"));
    let one = p
        .jgt(&["build", "--threads", "1", "--db", "one.duckdb"])
        .failed();
    let four = p
        .jgt(&["build", "--threads", "4", "--db", "four.duckdb"])
        .failed();
    let skipped = |out: &str| {
        let mut names: Vec<String> = out
            .lines()
            .filter(|l| l.contains(" SKIP "))
            .map(|l| l.split_whitespace().nth(5).unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    // m1_3 feeds m2_2 and m2_3, which feed m3_1, m3_2 and m3_3.
    assert_eq!(
        skipped(&one.stdout),
        [
            "main.m2_2",
            "main.m2_3",
            "main.m3_1",
            "main.m3_2",
            "main.m3_3"
        ],
        "{}",
        one.stdout
    );
    assert_eq!(skipped(&one.stdout), skipped(&four.stdout));
    assert_eq!(
        fingerprint(&p, "one.duckdb"),
        fingerprint(&p, "four.duckdb")
    );
}
