//! Arrow values as the text jgt shows and compares: numbers as Spark and
//! DuckDB print them (`1`, `2.5`, `1.0`), dates `2024-01-05`, timestamps
//! `2024-01-05 10:00:00` (UTC wall-clock time, fractions only when there
//! are some), binary as hex, lists `[1, 2]`, structs `{a: 1}`, maps
//! `{k -> v}`. Written here rather than taken from `arrow-cast`, which
//! would add a dozen crates to the build for the same result.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Decimal256Type, Float16Type, Float32Type, Float64Type,
    Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::Array;
use arrow_schema::{DataType, TimeUnit};

/// The value at `row` of `array` as text, `None` for null; `Err` names a
/// type jgt cannot show yet.
pub(crate) fn value(array: &dyn Array, row: usize) -> Result<Option<String>, String> {
    if array.is_null(row) {
        return Ok(None);
    }
    let text = match array.data_type() {
        DataType::Null => return Ok(None),
        DataType::Boolean => array.as_boolean().value(row).to_string(),
        DataType::Int8 => array.as_primitive::<Int8Type>().value(row).to_string(),
        DataType::Int16 => array.as_primitive::<Int16Type>().value(row).to_string(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(row).to_string(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::UInt8 => array.as_primitive::<UInt8Type>().value(row).to_string(),
        DataType::UInt16 => array.as_primitive::<UInt16Type>().value(row).to_string(),
        DataType::UInt32 => array.as_primitive::<UInt32Type>().value(row).to_string(),
        DataType::UInt64 => array.as_primitive::<UInt64Type>().value(row).to_string(),
        DataType::Float16 => format!(
            "{:?}",
            array.as_primitive::<Float16Type>().value(row).to_f64()
        ),
        DataType::Float32 => format!("{:?}", array.as_primitive::<Float32Type>().value(row)),
        DataType::Float64 => format!("{:?}", array.as_primitive::<Float64Type>().value(row)),
        DataType::Decimal128(..) => array.as_primitive::<Decimal128Type>().value_as_string(row),
        DataType::Decimal256(..) => array.as_primitive::<Decimal256Type>().value_as_string(row),
        DataType::Utf8 => array.as_string::<i32>().value(row).to_string(),
        DataType::LargeUtf8 => array.as_string::<i64>().value(row).to_string(),
        DataType::Utf8View => array.as_string_view().value(row).to_string(),
        DataType::Binary => jgt_core::hex::lower(array.as_binary::<i32>().value(row)),
        DataType::LargeBinary => jgt_core::hex::lower(array.as_binary::<i64>().value(row)),
        DataType::Date32 => shown(array.as_primitive::<Date32Type>().value_as_date(row)),
        DataType::Date64 => shown(array.as_primitive::<Date64Type>().value_as_date(row)),
        DataType::Timestamp(unit, _) => timestamp(array, *unit, row),
        DataType::List(_) => list(array.as_list::<i32>().value(row).as_ref())?,
        DataType::LargeList(_) => list(array.as_list::<i64>().value(row).as_ref())?,
        DataType::Struct(fields) => {
            let columns = array.as_struct();
            let mut parts = Vec::new();
            for (field, column) in fields.iter().zip(columns.columns()) {
                parts.push(format!(
                    "{}: {}",
                    field.name(),
                    nested(column.as_ref(), row)?
                ));
            }
            format!("{{{}}}", parts.join(", "))
        }
        DataType::Map(..) => {
            let entries = array.as_map().value(row);
            let (keys, values) = (entries.column(0), entries.column(1));
            let mut parts = Vec::new();
            for i in 0..entries.len() {
                parts.push(format!(
                    "{} -> {}",
                    nested(keys.as_ref(), i)?,
                    nested(values.as_ref(), i)?
                ));
            }
            format!("{{{}}}", parts.join(", "))
        }
        other => return Err(format!("values of Arrow type {other} cannot be shown yet")),
    };
    Ok(Some(text))
}

/// A value inside a list, struct or map (`null` for null).
fn nested(array: &dyn Array, row: usize) -> Result<String, String> {
    Ok(value(array, row)?.unwrap_or_else(|| "null".into()))
}

fn list(items: &dyn Array) -> Result<String, String> {
    let parts = (0..items.len())
        .map(|i| nested(items, i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(format!("[{}]", parts.join(", ")))
}

fn shown(value: Option<impl std::fmt::Display>) -> String {
    value.map_or_else(|| "(out of range)".into(), |v| v.to_string())
}

/// A timestamp as UTC wall-clock time: Spark sends instants in its
/// session's zone, named (`Etc/UTC`), and jgt's servers run in UTC.
fn timestamp(array: &dyn Array, unit: TimeUnit, row: usize) -> String {
    let time = match unit {
        TimeUnit::Second => array
            .as_primitive::<TimestampSecondType>()
            .value_as_datetime(row),
        TimeUnit::Millisecond => array
            .as_primitive::<TimestampMillisecondType>()
            .value_as_datetime(row),
        TimeUnit::Microsecond => array
            .as_primitive::<TimestampMicrosecondType>()
            .value_as_datetime(row),
        TimeUnit::Nanosecond => array
            .as_primitive::<TimestampNanosecondType>()
            .value_as_datetime(row),
    };
    shown(time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, Int32Array, TimestampMicrosecondArray};

    #[test]
    fn numbers_and_times_read_as_spark_prints_them() {
        let doubles = Float64Array::from(vec![Some(1.0), Some(2.5), None]);
        assert_eq!(value(&doubles, 0).unwrap().as_deref(), Some("1.0"));
        assert_eq!(value(&doubles, 1).unwrap().as_deref(), Some("2.5"));
        assert_eq!(value(&doubles, 2).unwrap(), None);
        let ints = Int32Array::from(vec![-7]);
        assert_eq!(value(&ints, 0).unwrap().as_deref(), Some("-7"));
        let micros = 1_704_448_800_000_000; // 2024-01-05 10:00:00 UTC
        let times = TimestampMicrosecondArray::from(vec![micros, micros + 500_000])
            .with_timezone("Etc/UTC");
        assert_eq!(
            value(&times, 0).unwrap().as_deref(),
            Some("2024-01-05 10:00:00")
        );
        assert_eq!(
            value(&times, 1).unwrap().as_deref(),
            Some("2024-01-05 10:00:00.500")
        );
    }
}
