//! dbt's `modules`: the few Python modules templates may use.
//!
//! `modules.datetime`, `modules.pytz`, `modules.re` and
//! `modules.itertools` (`chain`, `product`, `combinations`, `groupby`).
//! Any other module is an error naming the ones that exist.

pub(crate) mod datetime;
pub(crate) mod re;

use std::sync::Arc;

use minijinja::value::{from_args, Enumerator, Kwargs, Object, Value};
use minijinja::{Error, ErrorKind, State};

/// The value of the `modules` global.
#[derive(Debug)]
pub(crate) struct Modules;

impl Object for Modules {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "datetime" => Value::from_object(datetime::Py::DatetimeModule),
            "pytz" => Value::from_object(datetime::Py::PytzModule),
            "re" => Value::from_object(re::ReModule),
            "itertools" => Value::from_object(Itertools),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&["datetime", "pytz", "re", "itertools"])
    }
}

/// `modules.itertools`. Results are lists (Python's are iterators; a list
/// behaves the same in a `for` loop and with `| list`).
#[derive(Debug)]
struct Itertools;

fn items(value: &Value) -> Result<Vec<Value>, Error> {
    Ok(value.try_iter()?.collect())
}

/// Every `r`-long choice of `pool`'s items, in order.
fn combinations(pool: &[Value], r: usize) -> Vec<Value> {
    let mut out = Vec::new();
    if r > pool.len() {
        return out;
    }
    let mut at: Vec<usize> = (0..r).collect();
    loop {
        out.push(Value::from(
            at.iter().map(|&i| pool[i].clone()).collect::<Vec<_>>(),
        ));
        let Some(i) = (0..r).rev().find(|&i| at[i] != i + pool.len() - r) else {
            return out;
        };
        at[i] += 1;
        for j in i + 1..r {
            at[j] = at[j - 1] + 1;
        }
    }
}

impl Object for Itertools {
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<module 'itertools'>")
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "chain" => {
                let mut out = Vec::new();
                for arg in args {
                    out.extend(items(arg)?);
                }
                Ok(Value::from(out))
            }
            "product" => {
                let (lists, kwargs): (&[Value], Kwargs) = from_args(args)?;
                let repeat = kwargs.get::<Option<usize>>("repeat")?.unwrap_or(1);
                kwargs.assert_all_used()?;
                let pools: Vec<Vec<Value>> = lists.iter().map(items).collect::<Result<_, _>>()?;
                let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
                for pool in std::iter::repeat_n(&pools, repeat).flatten() {
                    rows = rows
                        .iter()
                        .flat_map(|row| pool.iter().map(move |item| [row.clone(), vec![item.clone()]].concat()))
                        .collect();
                }
                Ok(Value::from(rows.into_iter().map(Value::from).collect::<Vec<_>>()))
            }
            "combinations" => {
                let (pool, r): (Value, usize) = from_args(args)?;
                Ok(Value::from(combinations(&items(&pool)?, r)))
            }
            "groupby" => {
                let (pool, kwargs): (Value, Kwargs) = from_args(args)?;
                let key = kwargs.get::<Option<Value>>("key")?;
                kwargs.assert_all_used()?;
                if key.is_some() {
                    return Err(Error::new(
                        ErrorKind::InvalidOperation,
                        "itertools.groupby(key=...) is not supported; use the groupby filter: items | groupby('attribute')",
                    ));
                }
                let mut groups: Vec<(Value, Vec<Value>)> = Vec::new();
                for item in items(&pool)? {
                    match groups.last_mut() {
                        Some((k, members)) if *k == item => members.push(item),
                        _ => groups.push((item.clone(), vec![item])),
                    }
                }
                Ok(Value::from(
                    groups.into_iter().map(|(k, m)| Value::from(vec![k, Value::from(m)])).collect::<Vec<_>>(),
                ))
            }
            other => Err(Error::new(
                ErrorKind::UnknownMethod,
                format!("modules.itertools.{other} is not available; jgt has chain, product, combinations and groupby"),
            )),
        }
    }
}
