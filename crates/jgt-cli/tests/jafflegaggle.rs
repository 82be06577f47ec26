//! The JaffleGaggle project, built end to end by the real binary: the
//! identity-resolution rules the article describes, checked on its data.

mod common;

use std::sync::OnceLock;

use common::TempProject;

/// One build of the whole project, shared by the tests in this file.
fn built() -> &'static TempProject {
    static BUILT: OnceLock<TempProject> = OnceLock::new();
    BUILT.get_or_init(|| {
        let project = TempProject::jafflegaggle();
        project.jgt(&["build"]).ok();
        project
    })
}

#[test]
fn seeds_load_with_the_articles_row_counts() {
    let p = built();
    assert_eq!(p.scalar("select count(*) from raw_gaggle"), "823");
    assert_eq!(p.scalar("select count(*) from raw_user"), "5781");
    assert_eq!(p.scalar("select count(*) from raw_event"), "120307");
}

#[test]
fn contacts_are_users_minus_merged_duplicates() {
    let p = built();
    let users: u64 = p.scalar("select count(*) from raw_user").parse().unwrap();
    let merged: u64 = p
        .scalar("select count(*) from merged_user")
        .parse()
        .unwrap();
    assert_eq!(merged, 7);
    let contacts: u64 = p
        .scalar("select count(*) from jafflegaggle_contacts")
        .parse()
        .unwrap();
    assert_eq!(contacts, users - merged);
    assert_eq!(
        p.scalar("select count(distinct user_id) = count(*) and count(distinct email) = count(*) and count(email) = count(*) from jafflegaggle_contacts"),
        "true"
    );
}

#[test]
fn merged_people_appear_once_with_their_combined_events() {
    let p = built();
    let rows = p.query(
        "select m.new_email,
                (select count(*) from jafflegaggle_contacts c where lower(c.email) = lower(m.new_email)),
                (select count(*) from jafflegaggle_contacts c where lower(c.email) = lower(m.old_email)),
                (select c.number_of_events from jafflegaggle_contacts c where lower(c.email) = lower(m.new_email)),
                (select count(*) from raw_event e join raw_user u on e.user_id = u.id
                  where lower(u.email) in (lower(m.old_email), lower(m.new_email)))
         from merged_user m order by 1",
    );
    assert_eq!(rows.len(), 7);
    for row in rows {
        assert_eq!(row[1], "1", "{} appears once", row[0]);
        assert_eq!(row[2], "0", "the old e-mail of {} is gone", row[0]);
        assert_eq!(row[3], row[4], "{} carries both accounts' events", row[0]);
        assert_ne!(row[4], "0");
    }
    // Constance Rohr, userId 6759 in the article, keeps her new account's id.
    assert_eq!(
        p.scalar(
            "select user_id from jafflegaggle_contacts where email = 'constancerohr@outlaws.com'"
        ),
        "6759"
    );
}

#[test]
fn mixed_case_emails_give_lower_case_domains() {
    let p = built();
    let rows = p.query(
        "select email, corporate_email from jafflegaggle_contacts
         where split_part(email, '@', 2) <> lower(split_part(email, '@', 2))",
    );
    assert!(
        rows.len() >= 9,
        "at least 9 mixed-case e-mails, got {}",
        rows.len()
    );
    for row in rows {
        let domain = row[0].split('@').nth(1).unwrap().to_lowercase();
        assert_eq!(row[1], domain);
    }
    assert_eq!(
        p.scalar("select corporate_email from jafflegaggle_contacts where email = 'petestone@StraightShooters.ai'"),
        "straightshooters.ai"
    );
}

#[test]
fn personal_domains_have_no_corporate_email() {
    let p = built();
    let personal: u64 = p
        .scalar(
            "select count(*) from jafflegaggle_contacts where lower(split_part(email, '@', 2))
             in ('gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'hotmail.com')",
        )
        .parse()
        .unwrap();
    assert!(
        personal > 1000,
        "about a quarter of users are personal, got {personal}"
    );
    assert_eq!(
        p.scalar(
            "select count(*) from jafflegaggle_contacts where lower(split_part(email, '@', 2))
             in ('gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'hotmail.com')
             and corporate_email is not null"
        ),
        "0"
    );
}

#[test]
fn the_rams_gaggle_is_one_facts_row_on_rams_la() {
    let p = built();
    let rows = p.query(
        "select gaggle_id, corporate_email from jafflegaggle_facts where gaggle_id in
           (select gaggle_id from raw_user where email ilike '%@rams.sl')",
    );
    assert_eq!(rows, vec![vec!["1187".to_string(), "rams.la".to_string()]]);
    assert_eq!(
        p.scalar("select count(*) from jafflegaggle_facts where corporate_email = 'rams.sl'"),
        "0"
    );
}

#[test]
fn jets_is_one_account_that_includes_the_thrashers_gaggle() {
    let p = built();
    let rows = p.query(
        "select number_of_gaggles, number_of_events_associated from jafflegaggle_corporate_accounts
         where corporate_email = 'jets.com'",
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], "2");
    let gaggles = "select distinct gaggle_id from raw_user
                   where email ilike '%@jets.com' or email ilike '%@thrashers.com'";
    assert_eq!(p.scalar(&format!("select count(*) from ({gaggles})")), "2");
    let expected = p.scalar(&format!(
        "select sum(number_of_events) from jafflegaggle_facts where gaggle_id in ({gaggles})"
    ));
    assert_eq!(
        rows[0][1], expected,
        "the account's figures include the thrashers gaggle"
    );
    assert_eq!(
        p.scalar("select count(*) from jafflegaggle_corporate_accounts where corporate_email = 'thrashers.com'"),
        "0"
    );
}

#[test]
fn power_users_are_right_on_a_hand_made_project() {
    let p = TempProject::jafflegaggle();
    p.remove("seeds");
    let fixture = common::repo_root().join("crates/jgt-cli/tests/fixtures/power_users/seeds");
    for entry in std::fs::read_dir(fixture).unwrap() {
        let entry = entry.unwrap();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        p.write(
            &format!("seeds/{}", entry.file_name().to_string_lossy()),
            &text,
        );
    }
    p.jgt(&["build"]).ok();
    // The answers worked out by hand in fixtures/power_users/EXPECTED.md.
    let rows = p.query(
        "select corporate_email, number_of_gaggles, first_user_id, most_active_user_id,
                most_orders_user_id, number_of_events_corporate, number_of_events_associated
         from jafflegaggle_corporate_accounts order by corporate_email",
    );
    let expected = [
        ["jets.com", "2", "104", "107", "114", "23", "33"],
        ["packers.com", "1", "116", "116", "112", "15", "23"],
        ["rams.la", "1", "108", "108", "110", "13", "13"],
    ];
    assert_eq!(
        rows,
        expected.map(|r| r.map(String::from).to_vec()).to_vec()
    );
    assert_eq!(p.scalar("select count(*) from jafflegaggle_contacts"), "15");
    assert_eq!(
        p.scalar("select user_name || '|' || number_of_events || '|' || created_at from jafflegaggle_contacts where user_id = 112"),
        "Gustav Green|5|2021-09-06 08:00:00"
    );
}
