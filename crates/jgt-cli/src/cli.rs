//! The command line's shape.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// jgt: a fast, friendly dbt-style SQL model compiler for DuckDB.
#[derive(Debug, Parser)]
#[command(name = "jgt", version, about, long_about = None)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub common: Common,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Common {
    /// The project folder (holding dbt_project.yml or project.yml).
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub project_dir: PathBuf,
    /// The DuckDB file, instead of the profile's `path` or the project's `database`.
    #[arg(long, global = true, env = "JGT_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Variables for var(), as YAML: --vars '{start_date: 2021-10-01}'.
    #[arg(long, global = true, value_name = "YAML")]
    pub vars: Option<String>,
    /// Threads for building (default: the number of cores).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// Rebuild incremental models from scratch.
    #[arg(long, global = true)]
    pub full_refresh: bool,
    /// How jgt prints: `text`, or `json` (one dbt-shaped JSON object per line).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// The folder holding profiles.yml (default: DBT_PROFILES_DIR, else
    /// the project folder, else ~/.dbt/).
    #[arg(long, global = true, value_name = "DIR")]
    pub profiles_dir: Option<PathBuf>,
    /// The profile to use, instead of the project file's `profile:`.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// The profile's output to build into, instead of its `target:`.
    #[arg(short = 't', long, global = true, value_name = "NAME")]
    pub target: Option<String>,
    /// Where compiled SQL and artifacts go, instead of `target-path`.
    #[arg(long, global = true, value_name = "DIR")]
    pub target_path: Option<PathBuf>,
}

/// How jgt prints what happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON object per line, in dbt's structured log shape.
    Json,
}

/// Which nodes a command acts on.
#[derive(Debug, Args, Default, Clone)]
pub struct Selection {
    /// Nodes to include: name, +name (with ancestors), name+ (with
    /// descendants), tag:x, path:dir, config.materialized:view, @name, ...
    #[arg(short = 's', long = "select", num_args = 1.., value_name = "SELECTOR")]
    pub select: Vec<String>,
    /// Nodes to leave out, in the same syntax.
    #[arg(long, num_args = 1.., value_name = "SELECTOR")]
    pub exclude: Vec<String>,
    /// A folder holding an earlier manifest.json, for `state:modified`.
    #[arg(long, value_name = "DIR")]
    pub state: Option<std::path::PathBuf>,
    /// A named selector of `selectors.yml`.
    #[arg(long, value_name = "NAME")]
    pub selector: Option<String>,
    /// Only these unique ids (set by `jgt retry`, not a flag).
    #[arg(skip)]
    pub only: Option<std::collections::HashSet<String>>,
}

impl Selection {
    /// Whether no flag narrows the selection (a default selector of
    /// `selectors.yml` still may).
    pub fn is_everything(&self) -> bool {
        self.select.is_empty()
            && self.exclude.is_empty()
            && self.state.is_none()
            && self.selector.is_none()
            && self.only.is_none()
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load the seed CSV files into tables.
    Seed(Selection),
    /// Build the models, in dependency order.
    Run(RunArgs),
    /// Record the snapshots: how their queries' rows changed since the last run.
    Snapshot(Selection),
    /// Load seeds, build models, record snapshots and run tests, in dependency order; a
    /// failing test skips everything downstream of what it tests.
    Build(TestArgs),
    /// Run the data tests of the selected nodes.
    Test(TestArgs),
    /// Render every model's SQL into target/compiled/ without running it.
    Compile(Selection),
    /// List nodes in build order with their materialization.
    Ls(Selection),
    /// Preview the rows a model returns.
    Show {
        /// The model to preview.
        model: String,
        /// How many rows.
        #[arg(long, default_value_t = 5)]
        limit: usize,
    },
    /// The project's graph: DOT on stdout by default; `generate` writes a
    /// documentation site, `serve` serves it.
    Docs(DocsArgs),
    /// Install the packages of packages.yml (or dependencies.yml) into
    /// dbt_packages, pinned in package-lock.yml, as `dbt deps` does.
    Deps(DepsArgs),
    /// Re-run the nodes that failed or were skipped in target/run_results.json.
    Retry,
    /// Delete the project's `clean-targets` folders (default: the target folder).
    Clean,
    /// Load and render the project, write target/manifest.json; no database.
    Parse,
    /// Check the install, the project file and the database connection.
    Debug,
    /// Call a macro with the database at hand, as `dbt run-operation` does.
    RunOperation(OperationArgs),
    /// Commands about sources: `jgt source freshness`.
    Source(SourceArgs),
}

/// `jgt source` options.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// What to do with the sources.
    #[command(subcommand)]
    pub action: SourceAction,
}

/// What `jgt source` does.
#[derive(Debug, Subcommand)]
pub enum SourceAction {
    /// How old each selected source's newest row is (its `loaded_at_field`),
    /// judged by `warn_after` / `error_after`; writes target/sources.json.
    Freshness(Selection),
}

/// `jgt run-operation` options.
#[derive(Debug, Args, Default, Clone)]
pub struct OperationArgs {
    /// The macro to call (`name` or `package.name`).
    #[arg(value_name = "MACRO")]
    pub macro_name: String,
    /// Its keyword arguments, as a YAML mapping: --args '{days: 7}'.
    #[arg(long, value_name = "YAML")]
    pub args: Option<String>,
}

/// `jgt deps` options.
#[derive(Debug, Args, Default, Clone)]
pub struct DepsArgs {
    /// Resolve the packages again, ignoring package-lock.yml (and rewrite it).
    #[arg(long)]
    pub upgrade: bool,
    /// Only write package-lock.yml; install nothing.
    #[arg(long)]
    pub lock: bool,
}

/// `jgt run` options.
#[derive(Debug, Args, Default, Clone)]
pub struct RunArgs {
    /// Which nodes.
    #[command(flatten)]
    pub selection: Selection,
    /// Keep running: rebuild what changed (and what is downstream) on every save.
    #[arg(long)]
    pub watch: bool,
    /// Stop at the first failure: nodes not yet started are skipped.
    #[arg(short = 'x', long, conflicts_with = "watch")]
    pub fail_fast: bool,
}

/// Options of commands that run tests.
#[derive(Debug, Args, Default, Clone)]
pub struct TestArgs {
    /// Which nodes.
    #[command(flatten)]
    pub selection: Selection,
    /// Keep each failing test's rows in a table (in the `<schema>_dbt_test__audit` schema).
    #[arg(long)]
    pub store_failures: bool,
    /// Keep running: rebuild what changed (and what is downstream) on every save.
    #[arg(long)]
    pub watch: bool,
    /// Stop at the first failure: nodes not yet started are skipped.
    #[arg(short = 'x', long, conflicts_with = "watch")]
    pub fail_fast: bool,
}

/// `jgt docs` options.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DocsArgs {
    /// Build or serve the documentation site instead of printing the graph.
    #[command(subcommand)]
    pub action: Option<DocsAction>,
    /// Draw data tests as nodes too.
    #[arg(long)]
    pub tests: bool,
    /// The graph format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Which nodes to draw.
    #[command(flatten)]
    pub selection: Selection,
}

/// `jgt docs generate` and `jgt docs serve`.
#[derive(Debug, Subcommand)]
pub enum DocsAction {
    /// Write a self-contained site to target/docs/index.html.
    Generate(Selection),
    /// Generate the site and serve it on 127.0.0.1.
    Serve {
        /// The port to listen on.
        #[arg(long, default_value_t = 8080)]
        port: u16,
    },
}

/// Formats `jgt docs` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
    /// Nodes and edges as JSON.
    Json,
    /// The laid-out picture as SVG.
    Svg,
}
