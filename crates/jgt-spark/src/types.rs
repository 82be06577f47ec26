//! Spark's names for the types Spark Connect describes (`int`, `bigint`,
//! `string`, `decimal(10,2)`, `array<int>`), as `DESCRIBE` and Spark's
//! `simpleString` spell them.

use crate::proto::data_type::Kind;
use crate::proto::DataType;

/// The column names and type names of a struct type (a schema).
pub(crate) fn columns(schema: &DataType) -> Vec<jgt_core::Column> {
    match &schema.kind {
        Some(Kind::Struct(fields)) => fields
            .fields
            .iter()
            .map(|field| jgt_core::Column {
                name: field.name.clone(),
                data_type: field.data_type.as_ref().map_or("void".into(), name),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Spark's name for `data_type`.
pub(crate) fn name(data_type: &DataType) -> String {
    let Some(kind) = &data_type.kind else {
        return "void".into();
    };
    let inner = |t: &Option<Box<DataType>>| t.as_deref().map_or("void".into(), name);
    match kind {
        Kind::Null(_) => "void".into(),
        Kind::Binary(_) => "binary".into(),
        Kind::Boolean(_) => "boolean".into(),
        Kind::Byte(_) => "tinyint".into(),
        Kind::Short(_) => "smallint".into(),
        Kind::Integer(_) => "int".into(),
        Kind::Long(_) => "bigint".into(),
        Kind::Float(_) => "float".into(),
        Kind::Double(_) => "double".into(),
        Kind::Decimal(d) => format!(
            "decimal({},{})",
            d.precision.unwrap_or(10),
            d.scale.unwrap_or(0)
        ),
        Kind::String(_) => "string".into(),
        Kind::Char(c) => format!("char({})", c.length),
        Kind::VarChar(v) => format!("varchar({})", v.length),
        Kind::Date(_) => "date".into(),
        Kind::Timestamp(_) => "timestamp".into(),
        Kind::TimestampNtz(_) => "timestamp_ntz".into(),
        Kind::CalendarInterval(_) => "interval".into(),
        Kind::YearMonthInterval(_) => "interval year to month".into(),
        Kind::DayTimeInterval(_) => "interval day to second".into(),
        Kind::Array(a) => format!("array<{}>", inner(&a.element_type)),
        Kind::Map(m) => format!("map<{},{}>", inner(&m.key_type), inner(&m.value_type)),
        Kind::Struct(s) => {
            let fields: Vec<String> = s
                .fields
                .iter()
                .map(|f| {
                    let t = f.data_type.as_ref().map_or("void".into(), name);
                    format!("{}:{t}", f.name)
                })
                .collect();
            format!("struct<{}>", fields.join(","))
        }
        Kind::Variant(_) => "variant".into(),
        Kind::Time(_) => "time".into(),
        Kind::Unparsed(u) => u.data_type_string.clone(),
        Kind::Udt(_) | Kind::Geometry(_) | Kind::Geography(_) => "binary".into(),
        Kind::TimestampNtzNanos(_) => "timestamp_ntz".into(),
        Kind::TimestampLtzNanos(_) => "timestamp".into(),
    }
}
