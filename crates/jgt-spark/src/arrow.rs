//! Arrow IPC both ways: the batches Spark Connect returns, read into
//! jgt's text rows, and the text columns jgt sends (seeds) as an IPC
//! stream.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_ipc::reader::StreamReader;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{DataType, Field, Schema};
use jgt_exec::ExecError;

fn arrow_error(what: &str, err: impl std::fmt::Display) -> ExecError {
    ExecError::Sql {
        message: format!("{what} Arrow data from the server failed: {err}"),
    }
}

/// The batches of one Arrow IPC stream.
pub(crate) fn read_ipc(data: &[u8]) -> Result<Vec<RecordBatch>, ExecError> {
    let reader = StreamReader::try_new(data, None).map_err(|e| arrow_error("reading", e))?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| arrow_error("reading", e))
}

/// Every value of `batches` as text (`None` for null), at most `limit`
/// rows.
pub(crate) fn text_rows(
    batches: &[RecordBatch],
    limit: Option<usize>,
) -> Result<Vec<Vec<Option<String>>>, ExecError> {
    let mut rows = Vec::new();
    for batch in batches {
        for i in 0..batch.num_rows() {
            if limit.is_some_and(|n| rows.len() >= n) {
                return Ok(rows);
            }
            let row = batch
                .columns()
                .iter()
                .map(|column| crate::text::value(column.as_ref(), i))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|message| ExecError::Sql { message })?;
            rows.push(row);
        }
    }
    Ok(rows)
}

/// Text columns (`None` for null), named by `names`, as one Arrow IPC
/// stream of one batch.
pub(crate) fn text_ipc(
    names: &[String],
    columns: Vec<Vec<Option<String>>>,
) -> Result<Vec<u8>, ExecError> {
    let fields: Vec<Field> = names
        .iter()
        .map(|name| Field::new(name, DataType::Utf8, true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let arrays: Vec<ArrayRef> = columns
        .into_iter()
        .map(|values| Arc::new(StringArray::from(values)) as ArrayRef)
        .collect();
    let batch =
        RecordBatch::try_new(schema.clone(), arrays).map_err(|e| arrow_error("building", e))?;
    let mut out = Vec::new();
    let mut writer =
        StreamWriter::try_new(&mut out, &schema).map_err(|e| arrow_error("writing", e))?;
    writer
        .write(&batch)
        .map_err(|e| arrow_error("writing", e))?;
    writer.finish().map_err(|e| arrow_error("writing", e))?;
    drop(writer);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_through_ipc() {
        let names = vec!["a".to_string(), "b c".to_string()];
        let columns = vec![
            vec![Some("1".to_string()), None],
            vec![Some("x, \"y\"".to_string()), Some(String::new())],
        ];
        let ipc = text_ipc(&names, columns).unwrap();
        let batches = read_ipc(&ipc).unwrap();
        let rows = text_rows(&batches, None).unwrap();
        assert_eq!(
            rows,
            [
                vec![Some("1".to_string()), Some("x, \"y\"".to_string())],
                vec![None, Some(String::new())]
            ]
        );
        assert_eq!(text_rows(&batches, Some(1)).unwrap().len(), 1);
    }
}
