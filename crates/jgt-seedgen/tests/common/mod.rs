//! Helpers shared by the integration tests: run the real `jgt-seedgen`
//! binary and read the CSVs it writes.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The raw seed files and the hand-kept merge seeds.
pub const FILES: [&str; 5] = [
    "raw_gaggle.csv",
    "raw_user.csv",
    "raw_event.csv",
    "merged_user.csv",
    "merged_company_domain.csv",
];

/// Runs the binary with `args`, without checking how it ended.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jgt-seedgen"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs the binary with `args` writing into `dir`, and insists it succeeds.
pub fn generate(dir: &Path, args: &[&str]) -> Output {
    let out = dir.to_str().expect("utf-8 temp dir");
    let mut all = vec!["--out", out];
    all.extend_from_slice(args);
    let output = run(&all);
    assert!(
        output.status.success(),
        "jgt-seedgen {all:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The bytes of `file` in `dir`.
pub fn bytes(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("reading {file}: {e}"))
}

/// The header and the data rows of a CSV with no quoted fields.
pub fn rows(dir: &Path, file: &str) -> (String, Vec<Vec<String>>) {
    let text = String::from_utf8(bytes(dir, file)).expect("utf-8 csv");
    assert!(text.ends_with('\n'), "{file} does not end with a newline");
    assert!(!text.contains('\r'), "{file} has carriage returns");
    assert!(!text.contains('"'), "{file} has quoted fields");
    let mut lines = text.lines();
    let header = lines.next().expect("a header").to_string();
    let width = header.split(',').count();
    let data: Vec<Vec<String>> = lines
        .map(|line| line.split(',').map(str::to_string).collect::<Vec<_>>())
        .collect();
    for row in &data {
        assert_eq!(row.len(), width, "{file}: bad row {row:?}");
    }
    (header, data)
}
