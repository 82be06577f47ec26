//! dbt-duckdb's file-backed sources and `external` models on the real
//! binary: sources read straight from files, models written to files with
//! a view over them.

mod common;

use common::TempProject;

fn project() -> TempProject {
    let p = TempProject::new("name: files\n");
    p.write("data/cities.csv", "id,city\n1,Oslo\n2,Lima\n3,Pune\n");
    p.write(
        "models/sources.yml",
        "sources:\n  - name: raw\n    meta: {external_location: 'data/{name}.csv'}\n    tables:\n      - name: cities\n",
    );
    p
}

#[test]
fn a_source_reads_its_file_from_the_project_folder_wherever_jgt_runs() {
    let p = project();
    p.write(
        "models/big.sql",
        "{{ config(materialized='table') }}\nselect * from {{ source('raw', 'cities') }} where id > 1",
    );
    // Run from another folder: the file is still the project's.
    let elsewhere = tempfile::tempdir().unwrap();
    let output = p
        .command(&["build", "--project-dir", &p.path().to_string_lossy()])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        p.scalar("select string_agg(city, ',' order by id) from big"),
        "Lima,Pune"
    );
    let compiled =
        std::fs::read_to_string(p.path().join("target/compiled/files/models/big.sql")).unwrap();
    assert!(compiled.contains("from 'data/cities.csv'"), "{compiled}");
}

#[test]
fn an_external_model_writes_its_file_and_reads_back_through_a_view() {
    let p = project();
    p.write(
        "models/export.sql",
        "{{ config(materialized='external', location='out/cities.csv') }}\nselect id, upper(city) as city from {{ source('raw', 'cities') }}",
    );
    p.jgt(&["build"]).ok();
    let written = std::fs::read_to_string(p.path().join("out/cities.csv")).unwrap();
    assert!(written.starts_with("id,city\n"), "{written}");
    assert!(written.contains("2,LIMA"), "{written}");
    assert_eq!(
        p.scalar("select table_type from information_schema.tables where table_name = 'export'"),
        "VIEW"
    );
    assert_eq!(p.scalar("select count(*) from export"), "3");
}

#[test]
fn a_failing_external_model_leaves_the_old_file() {
    let p = project();
    p.write(
        "models/export.sql",
        "{{ config(materialized='external', location='out/cities.csv') }}\nselect * from {{ source('raw', 'cities') }}",
    );
    p.jgt(&["build"]).ok();
    let before = std::fs::read(p.path().join("out/cities.csv")).unwrap();
    p.write(
        "models/export.sql",
        "{{ config(materialized='external', location='out/cities.csv') }}\nselect 1 / 0 as boom from no_such_table",
    );
    p.jgt(&["build"]).failed();
    assert_eq!(
        std::fs::read(p.path().join("out/cities.csv")).unwrap(),
        before
    );
    assert_eq!(p.scalar("select count(*) from export"), "3");
}

#[test]
fn partitioned_csv_files_land_in_one_folder_per_value() {
    let p = project();
    p.write(
        "models/by_id.sql",
        "{{ config(materialized='external', location='out/by_id', format='csv', partition_by='id') }}\nselect * from {{ source('raw', 'cities') }}",
    );
    p.jgt(&["build"]).ok();
    assert!(p.path().join("out/by_id/id=2").is_dir());
    assert_eq!(
        p.scalar("select string_agg(city, ',' order by id) from by_id"),
        "Oslo,Lima,Pune"
    );
}

#[test]
fn parquet_and_json_files_are_written_and_read_back() {
    let p = project();
    for (name, format) in [("as_parquet", "parquet"), ("as_json", "json")] {
        p.write(
            &format!("models/{name}.sql"),
            &format!(
                "{{{{ config(materialized='external', format='{format}') }}}}\nselect * from {{{{ source('raw', 'cities') }}}}"
            ),
        );
    }
    p.jgt(&["build"]).ok();
    // No location: <external_root>/<name>.<format>, the root `.` by default.
    assert!(p.path().join("as_parquet.parquet").is_file());
    assert!(p.path().join("as_json.json").is_file());
    assert_eq!(p.scalar("select count(*) from as_parquet"), "3");
    assert_eq!(
        p.scalar("select string_agg(city, ',' order by id) from as_json"),
        "Oslo,Lima,Pune"
    );
}
