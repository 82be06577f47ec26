//! The agate-like table `run_query` and `load_result` give: `.rows`,
//! `.columns`, `.column_names`, `len()`, `table[0]` and `print_table()`.
//!
//! Query values arrive as text. A value that is a plain integer (`42`,
//! `-7`) becomes an integer, a plain decimal (`3.50`) a float, `true` /
//! `false` a boolean and NULL `none`, so `{{ x + 1 }}` works; anything else
//! stays text (`'007'` too: a leading zero keeps it text).

use std::sync::Arc;

use jgt_core::QueryResult;
use minijinja::value::{Object, ObjectRepr, Value, ValueKind};
use minijinja::{Error, ErrorKind, State};

/// A query value as text, turned into a number or boolean where it
/// plainly is one.
pub(crate) fn typed(text: Option<&str>) -> Value {
    let Some(text) = text else {
        return Value::from(());
    };
    let digits = text.strip_prefix('-').unwrap_or(text);
    let plain_int = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    match digits.split_once('.') {
        None if plain_int(digits) => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(text)),
        Some((int, frac))
            if plain_int(int) && !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()) =>
        {
            text.parse::<f64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(text))
        }
        _ => match text {
            "true" => Value::from(true),
            "false" => Value::from(false),
            _ => Value::from(text),
        },
    }
}

/// An agate-like table: `.rows`, `.columns`, `.column_names`, `len()`,
/// `table[0]` (a row) and `print_table()`.
#[derive(Debug)]
pub(crate) struct Table {
    names: Arc<Vec<String>>,
    rows: Vec<Value>,
}

/// One row: indexable by position and by column name, iterable over values.
#[derive(Debug)]
struct Row {
    names: Arc<Vec<String>>,
    values: Vec<Value>,
}

/// One column: `.name`, `.values()`, iterable over its values.
#[derive(Debug)]
struct TableColumn {
    name: String,
    values: Vec<Value>,
}

impl Table {
    pub fn value(result: QueryResult) -> Value {
        let names = Arc::new(result.columns);
        let rows = result
            .rows
            .into_iter()
            .map(|row| {
                let values = row.iter().map(|v| typed(v.as_deref())).collect();
                Value::from_object(Row {
                    names: Arc::clone(&names),
                    values,
                })
            })
            .collect();
        Value::from_object(Table { names, rows })
    }

    fn columns(&self) -> Value {
        let columns: Vec<(Value, Value)> = self
            .names
            .iter()
            .enumerate()
            .map(|(n, name)| {
                let values = self
                    .rows
                    .iter()
                    .map(|row| row.get_item_by_index(n).unwrap_or(Value::from(())))
                    .collect();
                let column = Value::from_object(TableColumn {
                    name: name.clone(),
                    values,
                });
                (Value::from(name.clone()), column)
            })
            .collect();
        Value::from_object(Columns(columns))
    }
}

/// `table.columns`: by position or by name.
#[derive(Debug)]
struct Columns(Vec<(Value, Value)>);

fn seq_item(items: &[Value], key: &Value) -> Option<Value> {
    let index = i64::try_from(key.clone()).ok()?;
    let index = if index < 0 {
        items.len() as i64 + index
    } else {
        index
    };
    items.get(usize::try_from(index).ok()?).cloned()
}

impl Object for Table {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str() {
            Some("rows") => Some(Value::from(self.rows.clone())),
            Some("columns") => Some(self.columns()),
            Some("column_names") => Some(Value::from_iter(self.names.iter().cloned())),
            Some(_) => None,
            None => seq_item(&self.rows, key),
        }
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Iter(Box::new(self.rows.clone().into_iter()))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.rows.len())
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State<'_, '_>,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "print_table" | "print_json" | "print_csv" => Ok(Value::from("")),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

impl Object for Row {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str() {
            Some(name) => self
                .names
                .iter()
                .position(|n| n == name)
                .map(|at| self.values[at].clone()),
            None => seq_item(&self.values, key),
        }
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Iter(Box::new(self.values.clone().into_iter()))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.values.len())
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State<'_, '_>,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "values" => Ok(Value::from(self.values.clone())),
            "keys" => Ok(Value::from_iter(self.names.iter().cloned())),
            "items" => {
                Ok(Value::from_iter(self.names.iter().zip(&self.values).map(
                    |(k, v)| Value::from(vec![Value::from(k.clone()), v.clone()]),
                )))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

impl Object for Columns {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.kind() {
            ValueKind::String => self
                .0
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, c)| c.clone()),
            _ => seq_item(
                &self.0.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>(),
                key,
            ),
        }
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        let columns: Vec<Value> = self.0.iter().map(|(_, c)| c.clone()).collect();
        minijinja::value::Enumerator::Iter(Box::new(columns.into_iter()))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.0.len())
    }
}

impl Object for TableColumn {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str() {
            Some("name") => Some(Value::from(self.name.clone())),
            Some(_) => None,
            None => seq_item(&self.values, key),
        }
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Iter(Box::new(self.values.clone().into_iter()))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.values.len())
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State<'_, '_>,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "values" => Ok(Value::from(self.values.clone())),
            "values_distinct" => {
                let mut seen: Vec<Value> = Vec::new();
                for value in &self.values {
                    if !seen.contains(value) {
                        seen.push(value.clone());
                    }
                }
                Ok(Value::from(seen))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}
