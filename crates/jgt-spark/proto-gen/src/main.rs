//! Writes `crates/jgt-spark/src/proto/spark.connect.rs` from the Spark
//! Connect `.proto` files vendored in `crates/jgt-spark/proto`: the
//! messages and the client (no server) of `SparkConnectService`.
//!
//! Needs `protoc` (Debian's `protobuf-compiler`). Run from anywhere:
//! `cargo run --manifest-path crates/jgt-spark/proto-gen/Cargo.toml`.

use std::path::PathBuf;

/// The files `base.proto` needs, itself included.
const PROTOS: &[&str] = &[
    "base", "catalog", "commands", "common", "expressions", "ml", "ml_common", "pipelines",
    "relations", "types",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let include = crate_dir.join("proto");
    let files: Vec<PathBuf> = PROTOS
        .iter()
        .map(|name| include.join(format!("spark/connect/{name}.proto")))
        .collect();
    let out = crate_dir.join("src/proto");
    std::fs::create_dir_all(&out)?;
    tonic_prost_build::configure()
        .build_server(false)
        .build_transport(false)
        .out_dir(&out)
        .compile_protos(&files, &[include])?;
    println!("wrote {}", out.join("spark.connect.rs").display());
    Ok(())
}
