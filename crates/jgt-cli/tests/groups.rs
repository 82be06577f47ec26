//! `groups:` and model `access`, as dbt enforces them: a `private` model
//! may be `ref`'d only from its own group (error JGT2013 naming both
//! nodes and the group, at the line of the `ref`); a group needs an
//! owner; a model's group must be declared.

mod common;

use common::TempProject;

const GROUPS: &str = "version: 2
groups:
  - name: finance
    owner: {name: Fin, email: fin@example.com}
  - name: sales
    owner: {email: sales@example.com}
models:
  - name: ledger
    access: private
    group: finance
  - name: budget
    config: {group: finance}
";

/// `ledger` is private to finance; `budget` is in finance and reads it.
fn finance() -> TempProject {
    let p = TempProject::new("name: shop\n");
    p.write("models/groups.yml", GROUPS);
    p.write("models/ledger.sql", "select 1 as id");
    p.write("models/budget.sql", "select * from {{ ref('ledger') }}");
    p
}

#[test]
fn a_private_model_is_read_from_its_own_group() {
    let p = finance();
    p.jgt(&["build"]).ok();
    assert_eq!(p.scalar("select count(*) from main.budget"), "1");
}

#[test]
fn a_private_model_refused_from_another_group_or_no_group() {
    let p = finance();
    p.write(
        "models/pipeline.sql",
        "{{ config(group='sales') }}\nselect *\nfrom {{ ref('ledger') }}",
    );
    let run = p.jgt(&["build"]).failed();
    assert!(
        run.stderr.contains(
            "error[JGT2013]: models/pipeline.sql:3: node model.shop.pipeline attempted to reference node model.shop.ledger, \
             which is not allowed because the referenced node is private to the 'finance' group and 'pipeline' is in group 'sales'"
        ),
        "{}",
        run.stderr
    );
    p.write("models/pipeline.sql", "select * from {{ ref('ledger') }}");
    let run = p.jgt(&["compile"]).failed();
    assert!(
        run.stderr
            .contains("private to the 'finance' group and 'pipeline' is in no group"),
        "{}",
        run.stderr
    );
}

#[test]
fn access_set_in_the_project_tree_or_config_counts_and_public_opens_it() {
    let p = finance();
    p.write(
        "project.yml",
        "name: shop\nmodels:\n  shop:\n    +access: public\n",
    );
    p.write(
        "models/groups.yml",
        &GROUPS.replace("access: private", "access: public"),
    );
    p.write("models/pipeline.sql", "select * from {{ ref('ledger') }}");
    p.jgt(&["compile"]).ok();
    p.write(
        "models/ledger.sql",
        "{{ config(access='private') }}\nselect 1 as id",
    );
    let run = p.jgt(&["compile"]).failed();
    assert!(run.stderr.contains("error[JGT2013]"), "{}", run.stderr);
    p.write(
        "models/ledger.sql",
        "{{ config(access='secret') }}\nselect 1 as id",
    );
    let run = p.jgt(&["compile"]).failed();
    assert!(
        run.stderr
            .contains("'secret' is not an access; use one of private, protected, public"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_group_needs_an_owner_and_a_models_group_must_exist() {
    let p = finance();
    p.write(
        "models/groups.yml",
        &GROUPS.replace("    owner: {email: sales@example.com}\n", ""),
    );
    let run = p.jgt(&["compile"]).failed();
    assert!(
        run.stderr.contains(
            "error[JGT1104]: models/groups.yml:5: invalid value for 'groups.sales.owner': a group needs an 'owner'"
        ),
        "{}",
        run.stderr
    );
    p.write(
        "models/groups.yml",
        &GROUPS.replace("owner: {email: sales@example.com}", "owner: {}"),
    );
    let run = p.jgt(&["compile"]).failed();
    assert!(
        run.stderr
            .contains("a group's owner needs at least one of 'name' or 'email'"),
        "{}",
        run.stderr
    );
    p.write("models/groups.yml", GROUPS);
    p.write(
        "models/pipeline.sql",
        "{{ config(group='salse') }}\nselect 1 as id",
    );
    let run = p.jgt(&["compile"]).failed();
    assert!(
        run.stderr.contains(
            "models/pipeline.sql:1: invalid value for 'group': model 'pipeline' is in group 'salse', which no schema file declares under groups: (declared: finance, sales). Did you mean 'sales'?"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn protected_models_of_a_restricted_package_are_refused_to_other_packages() {
    let p = TempProject::new("name: shop\n");
    p.write("packages.yml", "packages:\n  - local: ../helpers\n");
    p.write(
        "dbt_packages/helpers/dbt_project.yml",
        "name: helpers\nrestrict-access: true\n",
    );
    p.write(
        "dbt_packages/helpers/models/answer.sql",
        "select 42 as answer",
    );
    p.write(
        "models/uses_helper.sql",
        "select * from {{ ref('helpers', 'answer') }}",
    );
    let run = p.jgt(&["compile"]).failed();
    assert!(
        run.stderr.contains(
            "error[JGT2013]: models/uses_helper.sql:1: node model.shop.uses_helper attempted to reference node model.helpers.answer, \
             which is not allowed because the referenced node is protected and package 'helpers' sets restrict-access: true"
        ),
        "{}",
        run.stderr
    );
    p.write(
        "dbt_packages/helpers/dbt_project.yml",
        "name: helpers\nrestrict-access: false\n",
    );
    p.jgt(&["compile"]).ok();
}
