//! The same arguments always give byte-identical files.

mod common;

use common::{bytes, generate, FILES};

#[test]
fn same_arguments_give_identical_files() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    generate(a.path(), &[]);
    generate(b.path(), &[]);
    for file in FILES {
        assert!(
            bytes(a.path(), file) == bytes(b.path(), file),
            "{file} differs"
        );
    }
}

#[test]
fn explicit_seed_and_scale_are_deterministic_too() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let args = ["--seed", "42", "--scale", "2"];
    generate(a.path(), &args);
    generate(b.path(), &args);
    for file in FILES {
        assert!(
            bytes(a.path(), file) == bytes(b.path(), file),
            "{file} differs"
        );
    }
}

#[test]
fn another_seed_changes_the_data_but_not_the_merge_seeds() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    generate(a.path(), &[]);
    generate(b.path(), &["--seed", "7"]);
    assert!(bytes(a.path(), "raw_user.csv") != bytes(b.path(), "raw_user.csv"));
    for file in ["merged_user.csv", "merged_company_domain.csv"] {
        assert!(
            bytes(a.path(), file) == bytes(b.path(), file),
            "{file} differs"
        );
    }
}
