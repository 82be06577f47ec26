//! `jgt docs`: the DAG as DOT (rendered by Graphviz), Mermaid, JSON and
//! SVG, the documentation site in a real browser, escaping of hostile
//! descriptions, and `jgt docs serve`.
//!
//! Graphviz and the browser (Debian's chromium driven by node's
//! playwright-core, installed by `.ci/run`) are outside tools: when one is
//! missing the test that needs it fails under CI (`CI` set) and is skipped
//! with a loud message elsewhere, so `cargo test` still works on a laptop.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::TempProject;
use serde_json::Value;

/// The JaffleGaggle nodes, by layer of the article's DAG, read from the
/// project copy so new seeds or staging models need no change here.
struct Layers {
    /// `seeds/*.csv`.
    seeds: Vec<String>,
    /// `models/staging/*.sql`.
    staging: Vec<String>,
    /// The three models built on them, in the order they build.
    marts: Vec<String>,
}

impl Layers {
    fn of(p: &TempProject) -> Layers {
        let stems = |folder: &str, ext: &str| {
            let mut found: Vec<String> = std::fs::read_dir(p.path().join(folder))
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .filter(|path| path.extension().is_some_and(|e| e == ext))
                .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
                .collect();
            found.sort();
            found
        };
        let layers = Layers {
            seeds: stems("seeds", "csv"),
            staging: stems("models/staging", "sql"),
            marts: [
                "jafflegaggle_contacts",
                "jafflegaggle_facts",
                "jafflegaggle_corporate_accounts",
            ]
            .map(String::from)
            .to_vec(),
        };
        assert!(layers.seeds.len() >= 5 && layers.staging.len() >= 3);
        layers
    }

    /// Every seed and model.
    fn all(&self) -> BTreeSet<String> {
        self.seeds
            .iter()
            .chain(&self.staging)
            .chain(&self.marts)
            .cloned()
            .collect()
    }

    /// Left to right: seeds, staging, then each mart alone.
    fn columns(&self) -> Vec<Vec<String>> {
        let mut columns = vec![self.seeds.clone(), self.staging.clone()];
        columns.extend(self.marts.iter().map(|m| vec![m.clone()]));
        columns
    }
}

/// Whether this is a CI run, where a missing tool is a failure.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// `true` if the tool is there. Otherwise fails under CI and, elsewhere,
/// says loudly that the test is skipped and returns `false`.
fn require(tool: &str, available: bool, how: &str) -> bool {
    if available {
        return true;
    }
    assert!(
        !in_ci(),
        "{tool} is missing, and CI must run this test; {how} (.ci/run does)"
    );
    eprintln!(
        "\n**********************************************************************\n\
         SKIPPED: {tool} is missing; {how} to run this test (CI does).\n\
         **********************************************************************\n"
    );
    false
}

/// Whether `program --version`-like `args` runs and exits 0.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Where pictures are kept after the test's temporary project is gone:
/// cargo's scratch folder for integration tests, inside the target dir.
fn keep(file: &Path, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(dir).unwrap();
    let kept = dir.join(name);
    std::fs::copy(file, &kept).unwrap();
    kept
}

/// The JSON graph `jgt docs --format json` prints with `args` added.
fn json_graph(p: &TempProject, args: &[&str]) -> Value {
    let mut all = vec!["docs", "--format", "json"];
    all.extend_from_slice(args);
    let run = p.jgt(&all).ok();
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("jgt docs --format json is not JSON ({e}):\n{}", run.stdout))
}

/// The names of a JSON graph's nodes.
fn names(graph: &Value) -> BTreeSet<String> {
    graph["nodes"]
        .as_array()
        .expect("nodes is a list")
        .iter()
        .map(|n| n["name"].as_str().expect("a name").to_string())
        .collect()
}

/// The node of a JSON graph with this name.
fn node<'a>(graph: &'a Value, name: &str) -> &'a Value {
    graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the graph"))
}

/// Runs Graphviz's `dot` on `source` with `args`, returning its stdout.
fn graphviz(source: &str, args: &[&str]) -> Vec<u8> {
    let mut child = Command::new("dot")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dot starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(source.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "dot {args:?} rejected the graph: {}\n{source}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn dot_renders_with_graphviz_and_its_layers_follow_the_dag() {
    if !require(
        "Graphviz (dot)",
        runs("dot", &["-V"]),
        "apt-get install -y graphviz",
    ) {
        return;
    }
    let p = TempProject::jafflegaggle();
    let layers = Layers::of(&p);
    let edges = json_graph(&p, &[])["edges"].as_array().unwrap().len();
    let dot = p.jgt(&["docs", "--format", "dot"]).ok().stdout;
    assert!(dot.starts_with("digraph jgt {"), "{dot}");
    assert!(dot.contains("rankdir=LR"), "{dot}");
    assert_eq!(dot.matches(" -> ").count(), edges, "{dot}");
    for name in layers.all() {
        assert!(
            dot.contains(&format!("\"{name}\" [label=")),
            "{name}:\n{dot}"
        );
    }
    // Bare `jgt docs` is the same DOT.
    assert_eq!(p.jgt(&["docs"]).ok().stdout, dot);

    // A picture: a real PNG, wider than tall as the graph runs left to right.
    let png = p.path().join("target/dag.png");
    std::fs::create_dir_all(png.parent().unwrap()).unwrap();
    graphviz(&dot, &["-Tpng", "-o", png.to_str().unwrap()]);
    let bytes = std::fs::read(&png).expect("dot wrote the PNG");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert!(bytes.len() > 10_000, "a tiny PNG: {} bytes", bytes.len());
    let dimension = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    let (width, height) = (dimension(16), dimension(20));
    assert!(width > 800 && height > 100, "{width}x{height}");
    assert!(width > height, "{width}x{height} is not left to right");
    let kept = keep(&png, "dag.png");
    eprintln!("Graphviz picture of the DAG: {}", kept.display());

    // Where Graphviz put each node: the layers of the article's DAG, left to
    // right. `-Tplain` lines read `node NAME X Y WIDTH HEIGHT ...`.
    let plain = String::from_utf8(graphviz(&dot, &["-Tplain"])).unwrap();
    let x: HashMap<&str, f64> = plain
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            (fields.next()? == "node").then_some(())?;
            let name = fields.next()?;
            Some((name, fields.next()?.parse().ok()?))
        })
        .collect();
    assert_eq!(x.len(), layers.all().len(), "{plain}");
    let columns = layers.columns();
    for pair in columns.windows(2) {
        let right_of_left = pair[0]
            .iter()
            .map(|n| x[n.as_str()])
            .fold(f64::MIN, f64::max);
        let left_of_right = pair[1]
            .iter()
            .map(|n| x[n.as_str()])
            .fold(f64::MAX, f64::min);
        assert!(
            right_of_left < left_of_right,
            "{:?} should all be left of {:?}: {x:?}",
            pair[0],
            pair[1]
        );
    }
    // Each layer is one column.
    for column in &columns {
        let first = x[column[0].as_str()];
        assert!(
            column.iter().all(|n| x[n.as_str()] == first),
            "{column:?}: {x:?}"
        );
    }
}

#[test]
fn mermaid_is_a_left_to_right_flowchart_of_every_node() {
    let p = TempProject::jafflegaggle();
    let all = Layers::of(&p).all();
    let edges = json_graph(&p, &[])["edges"].as_array().unwrap().len();
    let mermaid = p.jgt(&["docs", "--format", "mermaid"]).ok().stdout;
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    for name in &all {
        assert!(
            mermaid.contains(&format!("[\"{name}<br/>")),
            "{name}:\n{mermaid}"
        );
    }
    assert_eq!(mermaid.matches(" --> ").count(), edges, "{mermaid}");
    assert!(mermaid.contains("<small>incremental</small>"), "{mermaid}");
    assert!(mermaid.contains("<small>view</small>"), "{mermaid}");
    assert!(mermaid.contains("classDef seed fill:"), "{mermaid}");
    assert!(mermaid.contains("classDef model fill:"), "{mermaid}");
    // Every arrow joins two declared nodes.
    let declared: BTreeSet<&str> = mermaid
        .lines()
        .filter_map(|l| l.trim().split_once("[\"").map(|(key, _)| key))
        .collect();
    assert_eq!(declared.len(), all.len());
    for line in mermaid.lines().filter(|l| l.contains(" --> ")) {
        let (from, to) = line.trim().split_once(" --> ").unwrap();
        assert!(declared.contains(from) && declared.contains(to), "{line}");
    }
}

#[test]
fn json_describes_every_node_its_columns_and_the_edges() {
    let p = TempProject::jafflegaggle();
    // Built first, so columns carry the types DuckDB gave them.
    p.jgt(&["build"]).ok();
    let graph = json_graph(&p, &[]);
    let all = Layers::of(&p).all();
    assert_eq!(names(&graph), all);
    for n in graph["nodes"].as_array().unwrap() {
        for key in [
            "name",
            "kind",
            "materialization",
            "path",
            "description",
            "columns",
            "depends_on",
        ] {
            assert!(n.get(key).is_some(), "{key} missing from {n}");
        }
    }

    let contacts = node(&graph, "jafflegaggle_contacts");
    assert_eq!(contacts["kind"], "model");
    assert_eq!(contacts["materialization"], "table");
    assert_eq!(contacts["path"], "models/jafflegaggle_contacts.sql");
    assert_eq!(contacts["relation"], "main.jafflegaggle_contacts");
    assert!(contacts["description"]
        .as_str()
        .unwrap()
        .starts_with("One row per person"));
    let mut parents: Vec<&str> = contacts["depends_on"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    parents.sort_unstable();
    assert_eq!(parents, ["merged_user", "stg_events", "stg_users"]);
    let column = |n: &Value, name: &str| {
        n["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no column {name} in {}", n["name"]))
            .clone()
    };
    let corporate = column(contacts, "corporate_email");
    assert_eq!(corporate["data_type"], "VARCHAR");
    assert!(corporate["description"]
        .as_str()
        .unwrap()
        .contains("domain"));
    let user_id = column(contacts, "user_id");
    assert_eq!(user_id["data_type"], "INTEGER");
    let tests: BTreeSet<&str> = user_id["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(tests, BTreeSet::from(["not_null", "unique"]));
    assert!(contacts["compiled_sql"]
        .as_str()
        .unwrap()
        .contains("\"main\".\"stg_users\""));
    assert!(contacts["raw_sql"]
        .as_str()
        .unwrap()
        .contains("ref('stg_users')"));

    let seed = node(&graph, "raw_user");
    assert_eq!(seed["kind"], "seed");
    assert_eq!(seed["path"], "seeds/raw_user.csv");
    assert_eq!(seed["depends_on"], serde_json::json!([]));
    assert_eq!(node(&graph, "stg_events")["materialization"], "incremental");
    assert_eq!(node(&graph, "stg_users")["materialization"], "view");

    let edges: BTreeSet<(String, String)> = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap().to_string(),
                e["to"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let depends_on: usize = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["depends_on"].as_array().unwrap().len())
        .sum();
    assert_eq!(edges.len(), depends_on);
    assert!(edges.len() >= 12);
    assert!(edges.contains(&("stg_users".into(), "jafflegaggle_contacts".into())));
    assert!(edges.contains(&(
        "jafflegaggle_facts".into(),
        "jafflegaggle_corporate_accounts".into()
    )));
    // The edges agree with depends_on.
    for n in graph["nodes"].as_array().unwrap() {
        for parent in n["depends_on"].as_array().unwrap() {
            let edge = (
                parent.as_str().unwrap().to_string(),
                n["name"].as_str().unwrap().to_string(),
            );
            assert!(edges.contains(&edge), "{edge:?}");
        }
    }

    // --tests adds the data tests as nodes.
    let with_tests = json_graph(&p, &["--tests"]);
    assert!(
        node(&with_tests, "unique_jafflegaggle_contacts_user_id")["kind"] == "test",
        "{with_tests}"
    );
    assert!(names(&with_tests).len() > all.len() + 20);
}

#[test]
fn svg_draws_every_node_and_can_go_to_a_file() {
    let p = TempProject::jafflegaggle();
    let all = Layers::of(&p).all();
    let edges = json_graph(&p, &[])["edges"].as_array().unwrap().len();
    let svg = p.jgt(&["docs", "--format", "svg"]).ok().stdout;
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    for name in &all {
        assert!(svg.contains(&format!("data-name=\"{name}\"")), "{name}");
        assert!(svg.contains(&format!(">{name}</text>")), "{name}");
    }
    assert_eq!(svg.matches("<path class=\"edge\"").count(), edges);

    p.jgt(&["docs", "--format", "svg", "--out", "dag.svg"]).ok();
    assert_eq!(
        std::fs::read_to_string(p.path().join("dag.svg")).unwrap(),
        svg
    );
    if runs("dot", &["-V"]) {
        // The DOT export can go to a file too.
        p.jgt(&["docs", "--out", "dag.dot"]).ok();
        let dot = std::fs::read_to_string(p.path().join("dag.dot")).unwrap();
        assert!(dot.starts_with("digraph jgt {"));
    }
}

#[test]
fn a_selection_narrows_every_format() {
    let p = TempProject::jafflegaggle();
    // Everything but the corporate accounts is upstream of the facts.
    let mut upstream = Layers::of(&p).all();
    upstream.remove("jafflegaggle_corporate_accounts");
    let whole = json_graph(&p, &[]);
    let graph = json_graph(&p, &["-s", "+jafflegaggle_facts"]);
    assert_eq!(names(&graph), upstream);
    let kept: Vec<&Value> = whole["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["to"] != "jafflegaggle_corporate_accounts")
        .collect();
    let edges = graph["edges"].as_array().unwrap();
    assert_eq!(edges.iter().collect::<Vec<_>>(), kept, "{graph}");
    let edges = edges.len();

    let dot = p.jgt(&["docs", "-s", "+jafflegaggle_facts"]).ok().stdout;
    assert!(!dot.contains("jafflegaggle_corporate_accounts"), "{dot}");
    assert!(dot.contains("\"jafflegaggle_facts\" [label="), "{dot}");
    assert_eq!(dot.matches(" -> ").count(), edges);
    let mermaid = p
        .jgt(&["docs", "--format", "mermaid", "-s", "+jafflegaggle_facts"])
        .ok()
        .stdout;
    assert!(!mermaid.contains("jafflegaggle_corporate_accounts"));
    assert_eq!(mermaid.matches(" --> ").count(), edges);
    let svg = p
        .jgt(&["docs", "--format", "svg", "-s", "+jafflegaggle_facts"])
        .ok()
        .stdout;
    assert!(!svg.contains("jafflegaggle_corporate_accounts"));
    assert!(svg.contains("data-name=\"raw_gaggle\""));

    // Downstream of a model, and the site too.
    let downstream = json_graph(&p, &["-s", "jafflegaggle_contacts+"]);
    assert_eq!(
        names(&downstream),
        BTreeSet::from([
            "jafflegaggle_contacts".to_string(),
            "jafflegaggle_facts".to_string(),
            "jafflegaggle_corporate_accounts".to_string(),
        ])
    );
    p.jgt(&["docs", "generate", "-s", "stg_users"]).ok();
    let html = std::fs::read_to_string(p.path().join("target/docs/index.html")).unwrap();
    assert!(html.contains("\"name\":\"stg_users\""));
    assert!(!html.contains("\"name\":\"raw_user\""));
}

/// The project whose descriptions try to break out of the page.
fn hostile_project() -> TempProject {
    let p = TempProject::new("name: hostile\n");
    p.write("models/evil.sql", "select 1 as id, 'x' as note\n");
    p.write(
        "models/schema.yml",
        "version: 2\n\
         models:\n  \
           - name: evil\n    \
             description: \"</script><script>alert(1)</script>\"\n    \
             columns:\n      \
               - name: note\n        \
                 description: \"<img src=x onerror=alert(2)>\"\n",
    );
    p
}

const SCRIPT_DESCRIPTION: &str = "</script><script>alert(1)</script>";
const IMG_DESCRIPTION: &str = "<img src=x onerror=alert(2)>";

#[test]
fn descriptions_cannot_inject_markup_into_the_site() {
    let p = hostile_project();
    p.jgt(&["build"]).ok();
    p.jgt(&["docs", "generate"]).ok();
    let index = p.path().join("target/docs/index.html");
    let html = std::fs::read_to_string(&index).unwrap();

    assert!(
        !html.contains(SCRIPT_DESCRIPTION),
        "raw </script> in the page"
    );
    assert!(
        !html.contains("<script>alert"),
        "a script element from a description"
    );
    assert!(!html.contains(IMG_DESCRIPTION), "raw <img> in the page");
    assert!(
        !html.to_lowercase().contains("<img"),
        "an img element in the page"
    );
    // Exactly the page's own two script elements: the data and the code.
    assert_eq!(html.matches("<script").count(), 2);
    assert_eq!(html.matches("</script>").count(), 2);
    // The text is still there, escaped for the JSON inside the script element.
    assert!(html.contains(r"\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e"));
    assert!(html.contains(r"\u003cimg src=x onerror=alert(2)\u003e"));
    // ... and the JSON reads back to the original text.
    let start = html.find("id=\"jgt-data\">").unwrap() + "id=\"jgt-data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let data: Value = serde_json::from_str(&html[start..end]).unwrap();
    let evil = &data["graph"]["nodes"][0];
    assert_eq!(evil["description"], SCRIPT_DESCRIPTION);
    assert_eq!(evil["columns"][1]["description"], IMG_DESCRIPTION);

    // The SVG export carries no markup from the descriptions either.
    let svg = p.jgt(&["docs", "--format", "svg"]).ok().stdout;
    assert!(!svg.contains("<script") && !svg.contains("<img"), "{svg}");

    // In a browser: the text shows literally and nothing runs.
    if let Some(browser) = browser_harness() {
        let result = node_script(&browser, "xss.mjs", &[index.to_str().unwrap()]);
        assert_eq!(result["ok"], true, "{result:#}");
    }
}

/// The folder of the node scripts, when Chromium, node and playwright-core
/// are all installed; `None` (a skip) otherwise, or a failure under CI.
fn browser_harness() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium = std::env::var("JGT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let ok = require(
        &format!("Chromium ({chromium})"),
        Path::new(&chromium).is_file(),
        "apt-get install -y chromium",
    ) && require(
        "node",
        runs("node", &["--version"]),
        "install node 20 or later",
    ) && require(
        "playwright-core",
        dir.join("node_modules/playwright-core/package.json")
            .is_file(),
        "run `npm ci` in crates/jgt-cli/tests/browser",
    );
    ok.then_some(dir)
}

/// Runs `node SCRIPT ARGS...` in the browser folder and returns the JSON
/// line it ends with, failing the test if there is none.
fn node_script(dir: &Path, script: &str, args: &[&str]) -> Value {
    let output = Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stdout.lines().rev().find(|l| !l.trim().is_empty());
    let result: Value = last
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| {
            panic!("node {script} printed no JSON result\nstdout:\n{stdout}\nstderr:\n{stderr}")
        });
    assert_eq!(
        output.status.success(),
        result["ok"] == true,
        "exit status and result disagree: {result:#}\n{stderr}"
    );
    result
}

#[test]
fn the_site_works_in_chromium() {
    let Some(browser) = browser_harness() else {
        return;
    };
    let p = TempProject::jafflegaggle();
    // Built first, so the panel shows column types from the database.
    p.jgt(&["build"]).ok();
    let generated = p.jgt(&["docs", "generate"]).ok();
    assert!(
        generated.stdout.contains("index.html"),
        "{}",
        generated.stdout
    );
    let index = p.path().join("target/docs/index.html");
    let screenshot = p.path().join("target/docs-screenshot.png");

    let result = node_script(
        &browser,
        "docs.mjs",
        &[index.to_str().unwrap(), screenshot.to_str().unwrap()],
    );
    assert_eq!(result["ok"], true, "{result:#}");
    let names: Vec<&str> = result["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for expected in [
        "node jafflegaggle_contacts is drawn",
        "#columns lists corporate_email as VARCHAR",
        "#compiled-sql refers to \"main\".\"stg_users\"",
        "search highlights the staging models",
        "no errors on the page",
    ] {
        assert!(names.contains(&expected), "{expected} was not checked");
    }

    let png = std::fs::read(&screenshot).expect("the screenshot was saved");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 10_000, "{} bytes", png.len());
    let kept = keep(&screenshot, "docs-screenshot.png");
    eprintln!("Screenshot of the docs site: {}", kept.display());
}

/// A child process ended when dropped, so a failing test leaves none.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `jgt docs serve` with `port` and returns the process and the URL
/// it prints (on its first line today; any line before it is skipped).
fn serve(p: &TempProject, port: u16) -> (Killed, String) {
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_jgt"))
            .args(["docs", "serve", "--port", &port.to_string()])
            .current_dir(p.path())
            .env_remove("JGT_DB")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("jgt starts"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut printed = String::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                let _ = send.send(Ok(url.to_string()));
                return;
            }
            printed.push_str(&line);
            printed.push('\n');
        }
        let _ = send.send(Err(printed));
    });
    let found = receive
        .recv_timeout(Duration::from_secs(60))
        .expect("jgt docs serve says where it serves within a minute");
    match found {
        Ok(url) => (child, url),
        Err(printed) => {
            let mut stderr = String::new();
            let _ = child.0.stderr.take().unwrap().read_to_string(&mut stderr);
            panic!("jgt docs serve ended without a URL:\n{printed}\nstderr:\n{stderr}");
        }
    }
}

/// A plain HTTP/1.1 GET: the status line, the headers and the body.
fn get(address: &str, target: &str) -> (String, String, Vec<u8>) {
    let mut stream = TcpStream::connect(address).expect("the server accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {address}\r\nUser-Agent: jgt-test\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8(response[..split].to_vec()).unwrap();
    let body = response[split + 4..].to_vec();
    let (status, headers) = head.split_once("\r\n").unwrap_or((&head, ""));
    (status.to_string(), headers.to_string(), body)
}

#[test]
fn serve_answers_with_the_site() {
    let p = TempProject::jafflegaggle();
    // A port that was free a moment ago.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_server, url) = serve(&p, port);
    assert_eq!(url, format!("http://127.0.0.1:{port}/"));
    let address = format!("127.0.0.1:{port}");

    let (status, headers, body) = get(&address, "/");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        headers.contains("Content-Type: text/html; charset=utf-8"),
        "{headers}"
    );
    assert!(
        headers.contains(&format!("Content-Length: {}", body.len())),
        "{headers}"
    );
    let index = std::fs::read(p.path().join("target/docs/index.html")).expect("served from disk");
    assert_eq!(body, index, "/ is not target/docs/index.html");
    let html = String::from_utf8(body).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("\"name\":\"jafflegaggle_contacts\""));

    // The same file by name, with a query string; nothing outside the folder.
    assert_eq!(get(&address, "/index.html?x=1").2, index);
    assert_eq!(get(&address, "/missing.html").0, "HTTP/1.1 404 Not Found");
    assert_eq!(get(&address, "/../project.yml").0, "HTTP/1.1 404 Not Found");
    assert_eq!(
        get(&address, "/%2e%2e/project.yml").0,
        "HTTP/1.1 404 Not Found"
    );
}

#[test]
fn serve_on_port_zero_names_the_port_it_got() {
    let p = TempProject::jafflegaggle();
    let (_server, url) = serve(&p, 0);
    let address = url
        .strip_prefix("http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("{url}"));
    assert!(!address.ends_with(":0"), "{url}");
    let (status, _, body) = get(address, "/");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(String::from_utf8(body).unwrap().contains("jaffle_gaggle"));
}
