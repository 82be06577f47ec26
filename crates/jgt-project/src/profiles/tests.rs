use super::*;

const PROFILES: &str = "\
shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: \"{{ env_var('SHOP_DB', 'dev.duckdb') }}\"
      schema: analytics
      threads: 2
      settings:
        memory_limit: 1GB
    prod:
      type: duckdb
      path: prod.duckdb
      extensions: [httpfs]
      attach:
        - path: other.duckdb
          read_only: true
    pg:
      type: snowflake
      host: localhost
    mem:
      type: duckdb
      path: ':memory:'
    postgres:
      type: postgres
      host: 127.0.0.1
      user: jgt
      pass: \"{{ env_var('PG_PASS', '') }}\"
      dbname: shop
      schema: analytics
      sslmode: prefer
      keepalives_idle: 0
    spark:
      type: spark
      method: connect
      host: 127.0.0.1
      schema: analytics
      token: \"{{ env_var('SPARK_TOKEN') }}\"
    thrift:
      type: spark
      method: thrift
      host: 127.0.0.1
      schema: analytics
    spark_port:
      type: spark
      method: connect
      host: 127.0.0.1
      port: 99999
      schema: analytics
    spark_ssl:
      type: spark
      method: connect
      host: 127.0.0.1
      schema: analytics
      use_ssl: \"yes\"
";

fn read(target: Option<&str>, env: &[(&str, &str)]) -> Result<ProfileTarget, ProfileError> {
    let request = ProfileRequest {
        target: target.map(str::to_string),
        ..ProfileRequest::default()
    };
    let inputs = RenderInputs {
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..RenderInputs::default()
    };
    read_target(
        Path::new("profiles.yml"),
        PROFILES,
        "shop",
        &request,
        &inputs,
    )
}

#[test]
fn the_profile_target_is_read_with_env_vars_rendered() {
    let dev = read(None, &[]).unwrap();
    assert_eq!(dev.target_name, "dev");
    assert_eq!(dev.path.as_deref(), Some("dev.duckdb"));
    assert_eq!(dev.schema, "analytics");
    assert_eq!(dev.threads, Some(2));
    assert_eq!(
        dev.settings,
        [("memory_limit".to_string(), "1GB".to_string())]
    );
    let dev = read(None, &[("SHOP_DB", "from_env.duckdb")]).unwrap();
    assert_eq!(dev.path.as_deref(), Some("from_env.duckdb"));
}

#[test]
fn the_profiles_target_key_is_rendered_too() {
    // As dbt renders it: `target: "{{ env_var('ENVIRONMENT', 'dev') }}"`.
    let text = PROFILES.replacen(
        "target: dev",
        "target: \"{{ env_var('SHOP_TARGET', 'dev') }}\"",
        1,
    );
    let read = |env: &[(&str, &str)]| {
        let inputs = RenderInputs {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..RenderInputs::default()
        };
        let request = ProfileRequest::default();
        read_target(Path::new("profiles.yml"), &text, "shop", &request, &inputs)
    };
    assert_eq!(read(&[]).unwrap().target_name, "dev");
    let prod = read(&[("SHOP_TARGET", "prod")]).unwrap();
    assert_eq!(prod.target_name, "prod");
    assert_eq!(prod.path.as_deref(), Some("prod.duckdb"));
    let err = read(&[("SHOP_TARGET", "qa")]).unwrap_err();
    assert!(err.to_string().contains("no target 'qa'"), "{err}");
}

#[test]
fn the_target_flag_picks_another_output() {
    let prod = read(Some("prod"), &[]).unwrap();
    assert_eq!(prod.schema, "main");
    assert_eq!(prod.extensions, ["httpfs"]);
    assert_eq!(prod.attach[0].alias, "other");
    assert!(prod.attach[0].read_only);
}

#[test]
fn other_adapters_memory_and_missing_targets_are_clear_errors() {
    let err = read(Some("pg"), &[]).unwrap_err();
    assert_eq!(err.code(), "JGT1204");
    assert!(err.to_string().contains("type 'snowflake'"), "{err}");
    let err = read(Some("mem"), &[]).unwrap_err();
    assert_eq!(err.code(), "JGT1205");
    assert!(err.to_string().starts_with("profiles.yml:23:"), "{err}");
    let err = read(Some("qa"), &[]).unwrap_err();
    assert!(
        err.to_string().contains("dev, prod, pg, mem, postgres"),
        "{err}"
    );
}

#[test]
fn a_postgres_target_names_its_server() {
    let pg = read(Some("postgres"), &[("PG_PASS", "s3cret")]).unwrap();
    let Connection::Postgres(server) = &pg.connection else {
        panic!("{:?}", pg.connection)
    };
    assert_eq!((server.host.as_str(), server.port), ("127.0.0.1", 5432));
    assert_eq!(server.password, Some(Secret("s3cret".into())));
    assert_eq!(
        (pg.schema.as_str(), pg.database.as_deref()),
        ("analytics", Some("shop"))
    );
    // The secret never shows in Debug output.
    assert!(!format!("{pg:?}").contains("s3cret"));
    assert!(pg.warnings[0].contains("'keepalives_idle' of target 'postgres' is ignored"));
}

#[test]
fn a_spark_target_speaks_spark_connect() {
    let spark = read(Some("spark"), &[("SPARK_TOKEN", "t0ken")]).unwrap();
    let Connection::Spark(server) = &spark.connection else {
        panic!("{:?}", spark.connection)
    };
    assert_eq!((server.host.as_str(), server.port), ("127.0.0.1", 15002));
    assert_eq!(server.token, Some(Secret("t0ken".into())));
    assert!(!format!("{spark:?}").contains("t0ken"));
    assert_eq!(spark.schema, "analytics");
    let err = read(Some("thrift"), &[("SPARK_TOKEN", "")]).unwrap_err();
    assert_eq!(err.code(), "JGT1201");
    assert!(
        err.to_string()
            .contains("profiles.yml:41: target 'thrift': method 'thrift'"),
        "{err}"
    );
    let err = read(Some("spark_port"), &[("SPARK_TOKEN", "")]).unwrap_err();
    assert!(
        err.to_string().contains("port must be a whole number"),
        "{err}"
    );
}

#[test]
fn profiles_are_found_in_dbts_order() {
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let [flag, env_dir, project, home] = [0, 1, 2, 3].map(|i| dirs[i].path().to_path_buf());
    std::fs::create_dir_all(home.join(".dbt")).unwrap();
    for dir in [&flag, &env_dir, &project, &home.join(".dbt")] {
        std::fs::write(dir.join(PROFILES_FILE), "x: {}\n").unwrap();
    }
    let env: BTreeMap<_, _> = [(
        "DBT_PROFILES_DIR".to_string(),
        env_dir.display().to_string(),
    )]
    .into();
    let mut request = ProfileRequest {
        profiles_dir: Some(flag.clone()),
        home: Some(home.clone()),
        ..ProfileRequest::default()
    };
    let found = |r: &ProfileRequest, env: &BTreeMap<String, String>| {
        find_profiles_file(r, env, &project).unwrap().unwrap()
    };
    assert_eq!(found(&request, &env), flag.join(PROFILES_FILE));
    request.profiles_dir = None;
    assert_eq!(found(&request, &env), env_dir.join(PROFILES_FILE));
    assert_eq!(
        found(&request, &BTreeMap::new()),
        project.join(PROFILES_FILE)
    );
    std::fs::remove_file(project.join(PROFILES_FILE)).unwrap();
    assert_eq!(
        found(&request, &BTreeMap::new()),
        home.join(".dbt").join(PROFILES_FILE)
    );
    request.profiles_dir = Some(project.clone());
    let err = find_profiles_file(&request, &env, &project).unwrap_err();
    assert_eq!(err.code(), "JGT1206");
}
