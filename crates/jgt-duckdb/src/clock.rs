//! Today's date without DuckDB's ICU extension.
//!
//! dbt-duckdb runs on Python's DuckDB, which has ICU built in, and ICU is
//! where `current_date`, `today()`, `current_localtimestamp()` and
//! `current_localtime()` come from. jgt's DuckDB has only `parquet` and
//! `json` built in, and DuckDB looks for a missing ICU on the network: a
//! model selecting `current_date` failed. So where ICU is neither loaded
//! nor installed, each connection gets those four as temporary macros, in
//! the machine's time zone as ICU's default is. They live in the
//! connection's temporary schema only: a view keeps `current_date()` as
//! written, and any DuckDB with ICU reads it with ICU's.
//!
//! What needs ICU beyond them (`date_trunc`, `date_part` and interval
//! arithmetic on a `TIMESTAMP WITH TIME ZONE`) still fails; [`hint`] says
//! how to write it instead.

use duckdb::Connection;
use jgt_exec::ExecError;

use crate::adapter::db;

/// Whether this connection's DuckDB has ICU at hand, loaded or installed
/// (DuckDB then loads it when a query needs it).
pub(crate) fn has_icu(conn: &Connection) -> bool {
    conn.query_row(
        "select loaded or installed from duckdb_extensions() where extension_name = 'icu'",
        [],
        |row| row.get(0),
    )
    .unwrap_or(false)
}

/// Defines the macros on `conn`, with the machine's current offset from UTC.
pub(crate) fn define(conn: &Connection) -> Result<(), ExecError> {
    let offset = chrono::Local::now().offset().local_minus_utc();
    conn.execute_batch(&macros(offset)).map_err(db)
}

/// The macros' SQL for a time zone `offset` seconds east of UTC. Like
/// ICU's, they read the time the transaction started.
fn macros(offset: i32) -> String {
    format!(
        "create or replace temp macro current_localtimestamp() as \
             cast(get_current_timestamp() as timestamp) + interval '{offset} seconds';\n\
         create or replace temp macro current_date() as cast(current_localtimestamp() as date);\n\
         create or replace temp macro today() as current_date();\n\
         create or replace temp macro current_localtime() as cast(current_localtimestamp() as time);"
    )
}

/// What to add to a DuckDB error that came from looking for ICU.
pub(crate) fn hint(message: &str) -> Option<&'static str> {
    let autoload = message.contains("Extension Autoloading Error") && message.contains("'icu");
    let no_overload =
        message.contains("No function matches") && message.contains("TIMESTAMP WITH TIME ZONE");
    (autoload || no_overload).then_some(
        "hint: jgt's DuckDB has no ICU extension, which time zone arithmetic needs \
         (`date_trunc`, `date_part` or `+ interval` on a TIMESTAMP WITH TIME ZONE such as \
         `now()` or `current_timestamp`); cast it to TIMESTAMP first: `now()::timestamp`",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(conn: &Connection, sql: &str) -> String {
        conn.query_row(&format!("select ({sql})::varchar"), [], |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn todays_date_is_the_machines_without_icu() {
        let conn = Connection::open_in_memory().unwrap();
        assert!(!has_icu(&conn));
        define(&conn).unwrap();
        let today = chrono::Local::now().date_naive().to_string();
        assert_eq!(one(&conn, "current_date"), today);
        assert_eq!(one(&conn, "today()"), today);
        assert_eq!(one(&conn, "typeof(current_date - 1)"), "DATE");
        assert_eq!(one(&conn, "cast(current_localtimestamp() as date)"), today);
    }

    #[test]
    fn an_offset_moves_the_local_time() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&macros(3600)).unwrap();
        // One statement: both read the same transaction start.
        let moved = "current_localtimestamp() \
                     = cast(get_current_timestamp() as timestamp) + interval 1 hour";
        assert_eq!(one(&conn, moved), "true");
    }

    #[test]
    fn only_icu_errors_get_the_hint() {
        let icu = "Extension Autoloading Error: An error occurred while trying to \
                   automatically install the required extension 'icu':";
        assert!(hint(icu).is_some());
        let arithmetic = "Binder Error: No function matches the given name and argument \
                          types '-(TIMESTAMP WITH TIME ZONE, INTERVAL)'.";
        assert!(hint(arithmetic).is_some());
        assert!(hint("Catalog Error: Table with name x does not exist!").is_none());
    }
}
