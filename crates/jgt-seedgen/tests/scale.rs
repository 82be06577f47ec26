//! Row counts at scale 1 and scale 10, and how the copies relate.

mod common;

use std::collections::HashSet;

use common::{bytes, generate, rows, run};

const GAGGLES: usize = 823;
const USERS: usize = 5_781;
const EVENTS: usize = 120_307;

#[test]
fn scale_one_has_the_story_counts() {
    let dir = tempfile::tempdir().unwrap();
    let output = generate(dir.path(), &[]);
    let (header, gaggles) = rows(dir.path(), "raw_gaggle.csv");
    assert_eq!(header, "id,name,created_at");
    assert_eq!(gaggles.len(), GAGGLES);
    let (header, users) = rows(dir.path(), "raw_user.csv");
    assert_eq!(header, "id,name,email,gaggle_id,created_at");
    assert_eq!(users.len(), USERS);
    let (header, events) = rows(dir.path(), "raw_event.csv");
    assert_eq!(header, "event_id,user_id,event_name,timestamp");
    assert_eq!(events.len(), EVENTS);
    let (header, merged) = rows(dir.path(), "merged_user.csv");
    assert_eq!(header, "old_email,new_email");
    assert_eq!(merged.len(), 7);
    let domains = String::from_utf8(bytes(dir.path(), "merged_company_domain.csv")).unwrap();
    assert_eq!(
        domains,
        "old_domain,new_domain\nthrashers.com,jets.com\nsupersonics.com,thunder.com\nrams.sl,rams.la\n"
    );

    // Ids are consecutive from 1000.
    for (table, first) in [(&gaggles, 0), (&users, 0), (&events, 0)] {
        for (i, row) in table.iter().enumerate() {
            assert_eq!(row[first], (1000 + i).to_string());
        }
    }
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 5, "{stdout}");
    assert!(stdout.contains("raw_event.csv: 120307 rows"), "{stdout}");
}

#[test]
fn scale_ten_repeats_copy_zero_with_fresh_ids_and_emails() {
    let one = tempfile::tempdir().unwrap();
    let ten = tempfile::tempdir().unwrap();
    generate(one.path(), &[]);
    generate(ten.path(), &["--scale", "10"]);

    for (file, per_copy) in [
        ("raw_gaggle.csv", GAGGLES),
        ("raw_user.csv", USERS),
        ("raw_event.csv", EVENTS),
    ] {
        let small = String::from_utf8(bytes(one.path(), file)).unwrap();
        let big = String::from_utf8(bytes(ten.path(), file)).unwrap();
        assert_eq!(big.lines().count(), 1 + 10 * per_copy, "{file}");
        // Copy 0 (and the header) is byte for byte the scale-1 file.
        assert!(
            big.starts_with(&small),
            "{file}: copy 0 differs from scale 1"
        );
    }

    let (_, gaggles) = rows(ten.path(), "raw_gaggle.csv");
    let (_, users) = rows(ten.path(), "raw_user.csv");
    let (_, events) = rows(ten.path(), "raw_event.csv");
    for (table, name) in [(&gaggles, "gaggle"), (&users, "user"), (&events, "event")] {
        for (i, row) in table.iter().enumerate() {
            assert_eq!(
                row[0],
                (1000 + i).to_string(),
                "{name} ids are not consecutive"
            );
        }
    }
    let gaggle_ids: HashSet<&str> = gaggles.iter().map(|g| g[0].as_str()).collect();
    let mut emails = HashSet::new();
    for (i, user) in users.iter().enumerate() {
        assert!(
            emails.insert(user[2].to_lowercase()),
            "duplicate e-mail {}",
            user[2]
        );
        assert!(gaggle_ids.contains(user[3].as_str()));
        // A user's gaggle is in the same copy as the user.
        let gaggle: usize = user[3].parse().unwrap();
        assert_eq!((gaggle - 1000) / GAGGLES, i / USERS, "user {}", user[0]);
    }
    for (i, event) in events.iter().enumerate() {
        let user: usize = event[1].parse().unwrap();
        assert_eq!((user - 1000) / USERS, i / EVENTS, "event {}", event[0]);
    }

    // The merge seeds only name copy-0 users.
    let (_, merged) = rows(ten.path(), "merged_user.csv");
    for pair in &merged {
        for email in pair {
            let at = users.iter().position(|u| &u[2] == email).unwrap();
            assert!(at < USERS, "{email} is not in copy 0");
        }
    }
    for domain in [
        "thrashers.com",
        "jets.com",
        "supersonics.com",
        "thunder.com",
    ] {
        let suffix = format!("@{domain}");
        let holders = users
            .iter()
            .position(|u| u[2].to_lowercase().ends_with(&suffix))
            .unwrap();
        assert!(holders < USERS);
        let last = users
            .iter()
            .rposition(|u| u[2].to_lowercase().ends_with(&suffix))
            .unwrap();
        assert!(last < USERS, "{domain} appears in a later copy");
    }
}

#[test]
fn bad_arguments_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    for args in [
        vec!["--scale", "0", "--out", out],
        vec!["--scale", "-3", "--out", out],
        vec!["--scale", "many", "--out", out],
        vec!["--seed", "x", "--out", out],
    ] {
        let output = run(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
        assert!(!stderr.is_empty(), "{args:?} gave no message");
    }
    let output = run(&["--scale", "0", "--out", out]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--scale must be at least 1"), "{stderr}");
    assert!(!dir.path().join("raw_user.csv").exists());
}
