//! dbt's Jinja context as packages use it: Python methods, mutable lists,
//! `modules`, `run_started_at`, `flags`, `api.Relation`, ...

use super::render;

/// Renders `text` as the model `m`; panics with the error otherwise.
fn sql(text: &str) -> String {
    match render(&[("models/m.sql", text)], "m") {
        Ok(out) => out.sql,
        Err(err) => panic!("{err}"),
    }
}

fn error(text: &str) -> String {
    render(&[("models/m.sql", text)], "m")
        .unwrap_err()
        .to_string()
}

#[test]
fn python_string_and_dict_methods_work() {
    assert_eq!(sql("{{ 'a,b'.split(',') | join('|') }}"), "a|b");
    assert_eq!(
        sql("{{ 'abc'.upper() }} {{ 'abc'.startswith('ab') }}"),
        "ABC True"
    );
    assert_eq!(sql("{{ 'a-b'.replace('-', '_') }}"), "a_b");
    assert_eq!(
        sql("{% for k, v in {'x': 1, 'y': 2}.items() %}{{ k }}={{ v }};{% endfor %}"),
        "x=1;y=2;"
    );
    assert_eq!(
        sql("{{ {'b': 1, 'a': 2}.keys() | join(',') }}"),
        "b,a",
        "dicts keep their order"
    );
}

#[test]
fn lists_set_in_a_template_can_be_appended_to() {
    let text = "{% set cols = [] %}{% for c in ['a', 'b'] %}{% do cols.append(c ~ '_x') %}{% endfor %}\
                {% do cols.extend(['z']) %}{{ cols | join(', ') }} {{ cols | length }} {{ cols[-1] }}";
    assert_eq!(sql(text), "a_x, b_x, z 3 z");
    assert_eq!(
        sql("{% set xs = ['a'] %}{% do xs.insert(0, 'b') %}{{ xs.pop() }}{{ xs }}"),
        "a('b')"
    );
}

#[test]
fn dicts_set_in_a_template_can_be_updated() {
    let text = "{% set d = {} %}{% do d.update({'a': 1}) %}{% do d.update({'b': 2}) %}\
                {{ d['a'] }}{{ d.b }}{{ d.get('c', 3) }}{% for k in d %}{{ k }}{% endfor %}";
    assert_eq!(sql(text), "123ab");
}

#[test]
fn mutable_lists_work_inside_macros_too() {
    let files = [
        (
            "macros/cols.sql",
            "{% macro cols() %}{% set out = [] %}{% do out.append('id') %}{{ return(out) }}{% endmacro %}",
        ),
        ("models/m.sql", "select {{ cols() | join(', ') }}"),
    ];
    assert_eq!(render(&files, "m").unwrap().sql, "select id");
}

#[test]
fn appending_to_an_immutable_list_says_how_to_fix_it() {
    let message = error("{% do (['a'] | list).append('b') %}");
    assert!(
        message.contains("'.append()' changes a value in place"),
        "{message}"
    );
    assert!(message.starts_with("models/m.sql:1:"), "{message}");
}

#[test]
fn jinja2_statements_and_filters_work() {
    assert_eq!(sql("{% set x %}select 1{% endset %}{{ x }}"), "select 1");
    assert_eq!(sql("{% set ns = namespace(n=0) %}{% for i in [1,2] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}"), "3");
    assert_eq!(
        sql("{% for i in [1, 2] %}{% if not loop.first %}{{ loop.previtem }}{% endif %}{% endfor %}"),
        "1"
    );
    let rows = "{% set rows = [{'n': 'b', 'k': 1}, {'n': 'a', 'k': 0}] %}";
    assert_eq!(
        sql(&format!("{rows}{{{{ rows | map(attribute='n') | join }}}}")),
        "ba"
    );
    assert_eq!(
        sql(&format!(
            "{rows}{{{{ rows | sort(attribute='n') | map(attribute='k') | join }}}}"
        )),
        "01"
    );
    assert_eq!(
        sql(&format!(
            "{rows}{{{{ rows | selectattr('k') | map(attribute='n') | first }}}}"
        )),
        "b"
    );
    assert_eq!(
        sql(&format!(
            "{rows}{{{{ rows | rejectattr('k') | map(attribute='n') | first }}}}"
        )),
        "a"
    );
    assert_eq!(
        sql("{{ [1, 1, 2] | unique | list | length }} {{ '  A ' | trim | lower }}"),
        "2 a"
    );
    assert_eq!(
        sql("{% for i in [1,2,3] %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endfor %}"),
        "1"
    );
}

#[test]
fn zip_set_and_json_yaml_helpers_work() {
    assert_eq!(
        sql("{% for a, b in zip([1, 2], ['x', 'y']) %}{{ a }}{{ b }}{% endfor %}"),
        "1x2y"
    );
    assert_eq!(sql("{{ set(['a', 'b', 'a']) | length }}"), "2");
    assert_eq!(
        sql("{{ tojson({'b': [1, 'x'], 'a': 'é'}) }}"),
        r#"{"b": [1, "x"], "a": "\u00e9"}"#
    );
    assert_eq!(
        sql("{{ tojson({'b': 1, 'a': 2}, sort_keys=True) }}"),
        r#"{"a": 2, "b": 1}"#
    );
    assert_eq!(
        sql("{{ fromjson('not json') is none }} {{ fromjson('[', 5) }}"),
        "True 5"
    );
    assert_eq!(sql("{{ fromjson('{\"a\": 2}').a + 1 }}"), "3");
    assert_eq!(sql("{{ fromyaml('a: [1, 2]').a[1] }}"), "2");
    assert_eq!(sql("{{ toyaml({'a': 1}) }}"), "a: 1\n");
    assert_eq!(
        sql("{{ local_md5('abc') }}"),
        "900150983cd24fb0d6963f7d28e17f72"
    );
}

#[test]
fn run_context_names_the_project_run_and_target() {
    assert_eq!(sql("{{ project_name }}"), "demo");
    assert_eq!(sql("{{ invocation_id | length }}"), "36");
    assert_eq!(sql("{{ flags.FULL_REFRESH }} {{ flags.WHICH }}"), "False ");
    assert_eq!(
        sql("{{ target.profile_name }} {{ target.type }} {{ target.threads }}"),
        "demo duckdb 1"
    );
    let started =
        sql("{{ run_started_at }}|{{ run_started_at.strftime('%Y') }}|{{ run_started_at.tzinfo }}");
    let parts: Vec<&str> = started.split('|').collect();
    assert!(
        parts[0].ends_with("+00:00") && parts[0].len() >= 25,
        "{started}"
    );
    assert!(parts[0].starts_with(parts[1]), "{started}");
    assert_eq!(parts[2], "UTC");
}

#[test]
fn builtins_keep_ref_even_when_a_macro_replaces_it() {
    let files = [
        (
            "macros/ref.sql",
            "{% macro ref(name) %}{{ return(builtins.ref(name)) }}{% endmacro %}",
        ),
        ("models/m.sql", "select * from {{ ref('users') }}"),
    ];
    let out = render(&files, "m").unwrap();
    assert_eq!(out.sql, r#"select * from "jgt"."main"."users""#);
}

#[test]
fn api_relation_create_makes_a_relation() {
    let text = "{% set r = api.Relation.create(database='jgt', schema='main', identifier='t', type='view') %}\
                {{ r }} {{ r.schema }} {{ r.identifier }} {{ r.is_view }} {{ r.is_table }} \
                {{ r.include(schema=false) }} {{ r.render() }}";
    assert_eq!(
        sql(text),
        r#""jgt"."main"."t" main t True False "jgt"."t" "jgt"."main"."t""#
    );
    // As in dbt, a relation made without a database prints without one.
    let text = "{{ api.Relation.create(schema='main', identifier='t') }}";
    assert_eq!(sql(text), r#""main"."t""#);
}

#[test]
fn exceptions_and_logging_work() {
    assert_eq!(
        sql("{{ exceptions.warn('careful') }}{{ log('hi', info=True) }}{{ print('x') }}ok"),
        "ok"
    );
    let message = error("\n{{ exceptions.raise_compiler_error('bad input') }}");
    assert_eq!(message, "models/m.sql:2: bad input");
}

#[test]
fn modules_datetime_behaves_like_python() {
    let dt = "{% set d = modules.datetime %}";
    assert_eq!(
        sql(&format!("{dt}{{{{ d.datetime(2024, 2, 29, 13, 5) }}}}")),
        "2024-02-29 13:05:00"
    );
    assert_eq!(
        sql(&format!("{dt}{{{{ d.date(2024, 2, 29).isoformat() }}}}")),
        "2024-02-29"
    );
    assert_eq!(
        sql(&format!("{dt}{{{{ d.datetime.strptime('2024-03-01 10:00', '%Y-%m-%d %H:%M').strftime('%d/%m/%Y %H') }}}}")),
        "01/03/2024 10"
    );
    assert_eq!(
        sql(&format!("{dt}{{{{ d.timedelta(days=1, hours=2) }}}}")),
        "1 day, 2:00:00"
    );
    assert_eq!(
        sql(&format!(
            "{dt}{{{{ d.date(2024, 3, 1).minus(d.timedelta(days=1)) }}}}"
        )),
        "2024-02-29"
    );
    assert_eq!(
        sql(&format!(
            "{dt}{{{{ d.date(2024, 3, 1) > d.date(2024, 2, 1) }}}}"
        )),
        "True"
    );
    assert_eq!(
        sql(&format!(
            "{dt}{{{{ d.datetime(2024, 1, 2).year }}}}-{{{{ d.datetime(2024, 1, 2).date() }}}}"
        )),
        "2024-2024-01-02"
    );
    assert_eq!(
        sql(&format!(
            "{dt}{{{{ d.datetime(2024, 1, 1, tzinfo=modules.pytz.utc).isoformat() }}}}"
        )),
        "2024-01-01T00:00:00+00:00"
    );
    assert_eq!(
        sql(&format!(
            "{dt}{{{{ d.datetime(1970, 1, 2, tzinfo=modules.pytz.utc).timestamp() }}}}"
        )),
        "86400.0"
    );
    assert!(sql(&format!("{dt}{{{{ d.datetime.now().year > 2000 }}}}")) == "True");
}

#[test]
fn modules_re_behaves_like_python() {
    assert_eq!(sql("{{ modules.re.match('a', 'xa') }}"), "None");
    assert_eq!(
        sql("{{ modules.re.match('a', 'a') }}"),
        "<re.Match object; span=(0, 1), match='a'>"
    );
    assert_eq!(
        sql("{{ modules.re.match('a(\\\\d+)', 'a12b').group(1) }}"),
        "12"
    );
    assert_eq!(
        sql("{{ modules.re.match('\\\\d', 'a1') }}"),
        "None",
        "match anchors at the start"
    );
    assert_eq!(sql("{{ modules.re.search('\\\\d', 'a1').group() }}"), "1");
    assert_eq!(
        sql("{{ modules.re.sub('(\\\\w+)@', '\\\\1 at ', 'me@x') }}"),
        "me at x"
    );
    assert_eq!(
        sql("{{ modules.re.findall('\\\\d', 'a1b2') | join }}"),
        "12"
    );
    assert_eq!(
        sql("{{ modules.re.split(',\\\\s*', 'a, b,c') | join('|') }}"),
        "a|b|c"
    );
    assert_eq!(
        sql("{{ modules.re.search('ABC', 'xabc', modules.re.IGNORECASE) is not none }}"),
        "True"
    );
    assert_eq!(
        sql("{% set p = modules.re.compile('^s_') %}{{ p.sub('', 's_users') }}"),
        "users"
    );
    let message = error("{{ modules.re.search('a(?=b)', 'ab') }}");
    assert!(message.contains("no look-around"), "{message}");
}

#[test]
fn modules_itertools_chains_and_combines() {
    assert_eq!(
        sql("{{ modules.itertools.chain([1], [2, 3]) | join }}"),
        "123"
    );
    assert_eq!(
        sql("{{ modules.itertools.product([1, 2], ['a']) }}"),
        "((1, 'a'), (2, 'a'))"
    );
    assert_eq!(
        sql("{{ modules.itertools.combinations([1, 2, 3], 2) | length }}"),
        "3"
    );
}

#[test]
fn literal_rewriting_keeps_lines_and_other_tags() {
    let text = "{%- set a = [1,\n 2] -%}\n{% set b = [1] + [2] %}{% set c = x %}";
    let out = crate::rewrite_literals(text);
    assert_eq!(
        out,
        "{%- set a = __jgt_list([1,\n 2]) -%}\n{% set b = [1] + [2] %}{% set c = x %}"
    );
}
