//! Python's methods on strings, lists and dicts, as dbt packages call them.
//!
//! minijinja's values are immutable, while dbt packages build lists and
//! dicts with `{% do cols.append(x) %}` and `{% do d.update({...}) %}`. A
//! list or dict literal assigned with `{% set name = [...] %}` (or `{}`)
//! therefore becomes a mutable [`PyList`] / [`PyDict`]: [`rewrite_literals`]
//! wraps such literals in `__jgt_list(...)` / `__jgt_dict(...)` when a
//! template is loaded, on the same line. Other lists (a literal inside an
//! expression, a filter's result) stay immutable, and `.append()` on them
//! fails with a message saying how to make the list mutable.
//!
//! Every other Python method (`.items()`, `.upper()`, `.split()`,
//! `.startswith()`, `.format()`, ...) comes from `minijinja-contrib`'s
//! `pycompat`.

use std::sync::{Arc, Mutex};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};

/// Methods that change a list or dict in place.
const MUTATING: [&str; 8] = [
    "append",
    "extend",
    "insert",
    "remove",
    "update",
    "setdefault",
    "pop",
    "clear",
];

/// Installs the method callback and the constructors of mutable values.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.set_unknown_method_callback(|state, value, method, args| {
        if let Some(err) = crate::macros::missing_package_macro(value, method) {
            return Err(err);
        }
        if MUTATING.contains(&method) && matches!(value.kind(), ValueKind::Seq | ValueKind::Map) {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "'.{method}()' changes a value in place, which jgt allows only on a list or \
                     dict created with {{% set name = [] %}} or {{% set name = {{}} %}}; \
                     assign the list to a variable first, or build a new one with `list + [item]`"
                ),
            ));
        }
        minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args)
    });
    env.add_function("__jgt_list", |items: Value| -> Result<Value, Error> {
        Ok(PyList::value(items.try_iter()?.collect()))
    });
    env.add_function("__jgt_dict", |items: Value| -> Result<Value, Error> {
        Ok(PyDict::value(pairs(&items)?))
    });
}

/// The key/value pairs of a map value, in order.
fn pairs(map: &Value) -> Result<Vec<(Value, Value)>, Error> {
    if map.kind() != ValueKind::Map {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("expected a dict, got {}", map.kind()),
        ));
    }
    map.try_iter()?
        .map(|key| Ok((key.clone(), map.get_item(&key)?)))
        .collect()
}

/// A Python list: ordered, indexable, changeable in place.
#[derive(Debug, Default)]
pub(crate) struct PyList(Mutex<Vec<Value>>);

impl PyList {
    /// A new list holding `items`.
    pub fn value(items: Vec<Value>) -> Value {
        Value::from_object(PyList(Mutex::new(items)))
    }

    fn items(&self) -> std::sync::MutexGuard<'_, Vec<Value>> {
        self.0.lock().expect("list lock")
    }
}

/// A list position, counting from the end when negative.
fn position(index: i64, len: usize) -> Option<usize> {
    let index = if index < 0 { len as i64 + index } else { index };
    (0..len as i64).contains(&index).then_some(index as usize)
}

fn argument(args: &[Value], n: usize, method: &str) -> Result<Value, Error> {
    args.get(n).cloned().ok_or_else(|| {
        Error::new(
            ErrorKind::MissingArgument,
            format!(".{method}() needs an argument"),
        )
    })
}

impl Object for PyList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let items = self.items();
        let index = position(i64::try_from(key.clone()).ok()?, items.len())?;
        Some(items[index].clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Iter(Box::new(self.items().clone().into_iter()))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.items().len())
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let mut items = self.items();
        match method {
            "append" => items.push(argument(args, 0, method)?),
            "extend" => items.extend(argument(args, 0, method)?.try_iter()?),
            "insert" => {
                let at = i64::try_from(argument(args, 0, method)?)?;
                let len = items.len() as i64;
                let at = if at < 0 {
                    (len + at).max(0)
                } else {
                    at.min(len)
                };
                items.insert(at as usize, argument(args, 1, method)?);
            }
            "pop" => {
                let at = match args.first() {
                    Some(at) => i64::try_from(at.clone())?,
                    None => -1,
                };
                let at = position(at, items.len()).ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        "pop from an empty list or index out of range",
                    )
                })?;
                return Ok(items.remove(at));
            }
            "remove" => {
                let item = argument(args, 0, method)?;
                let at = items.iter().position(|x| *x == item).ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        format!("list.remove({item}): not in list"),
                    )
                })?;
                items.remove(at);
            }
            "index" => {
                let item = argument(args, 0, method)?;
                return items
                    .iter()
                    .position(|x| *x == item)
                    .map(Value::from)
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::InvalidOperation,
                            format!("{item} is not in list"),
                        )
                    });
            }
            "count" => {
                let item = argument(args, 0, method)?;
                return Ok(Value::from(items.iter().filter(|x| **x == item).count()));
            }
            "reverse" => items.reverse(),
            "clear" => items.clear(),
            "copy" => return Ok(PyList::value(items.clone())),
            _ => return Err(Error::from(ErrorKind::UnknownMethod)),
        }
        Ok(Value::from(()))
    }
}

/// A Python dict: keys in insertion order, changeable in place.
#[derive(Debug, Default)]
pub(crate) struct PyDict(Mutex<Vec<(Value, Value)>>);

impl PyDict {
    /// A new dict holding `pairs`.
    pub fn value(pairs: Vec<(Value, Value)>) -> Value {
        let dict = PyDict::default();
        for (key, value) in pairs {
            dict.set(key, value);
        }
        Value::from_object(dict)
    }

    fn set(&self, key: Value, value: Value) {
        let mut pairs = self.0.lock().expect("dict lock");
        match pairs.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => pairs.push((key, value)),
        }
    }

    fn get(&self, key: &Value) -> Option<Value> {
        let pairs = self.0.lock().expect("dict lock");
        pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }
}

impl Object for PyDict {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get(key)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let keys: Vec<Value> = self
            .0
            .lock()
            .expect("dict lock")
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        Enumerator::Iter(Box::new(keys.into_iter()))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.0.lock().expect("dict lock").len())
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "update" => {
                for (key, value) in pairs(&argument(args, 0, method)?)? {
                    self.set(key, value);
                }
            }
            "setdefault" => {
                let key = argument(args, 0, method)?;
                if let Some(value) = self.get(&key) {
                    return Ok(value);
                }
                let value = args.get(1).cloned().unwrap_or(Value::from(()));
                self.set(key, value.clone());
                return Ok(value);
            }
            "pop" => {
                let key = argument(args, 0, method)?;
                let mut pairs = self.0.lock().expect("dict lock");
                return match pairs.iter().position(|(k, _)| *k == key) {
                    Some(at) => Ok(pairs.remove(at).1),
                    None => args.get(1).cloned().ok_or_else(|| {
                        Error::new(
                            ErrorKind::InvalidOperation,
                            format!("dict.pop({key}): no such key"),
                        )
                    }),
                };
            }
            "clear" => self.0.lock().expect("dict lock").clear(),
            "copy" => return Ok(PyDict::value(self.0.lock().expect("dict lock").clone())),
            _ => return Err(Error::from(ErrorKind::UnknownMethod)),
        }
        Ok(Value::from(()))
    }
}

/// Wraps the list and dict literals of `{% set name = [...] %}` and
/// `{% set name = {...} %}` so that they become mutable, without moving
/// any text to another line.
pub fn rewrite_literals(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(start) = rest.find("{%") {
        out.push_str(&rest[..start + 2]);
        rest = &rest[start + 2..];
        let Some(end) = rest.find("%}") else { break };
        let tag = &rest[..end];
        out.push_str(&rewrite_set(tag).unwrap_or_else(|| tag.to_string()));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `set name = [..]` with the literal wrapped, or `None` to keep the tag.
fn rewrite_set(tag: &str) -> Option<String> {
    let body = tag.trim_start_matches(['-', '+']).trim_start();
    let after = body.strip_prefix("set")?;
    let (target, value) = after.split_once('=')?;
    let name = target.trim();
    let plain = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !plain || !target.starts_with(char::is_whitespace) || value.starts_with('=') {
        return None;
    }
    let trimmed = value.trim_end_matches(['-', '+']).trim();
    let function = match (trimmed.chars().next()?, trimmed.chars().last()?) {
        ('[', ']') => "__jgt_list",
        ('{', '}') => "__jgt_dict",
        _ => return None,
    };
    if !is_one_literal(trimmed) {
        return None;
    }
    let at = tag.len() - value.len() + value.find(trimmed)?;
    let end = at + trimmed.len();
    Some(format!(
        "{}{function}({}){}",
        &tag[..at],
        trimmed,
        &tag[end..]
    ))
}

/// Whether `text` is one bracketed literal (`[a] + [b]` is not).
fn is_one_literal(text: &str) -> bool {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (n, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[' | '{' | '(') => depth += 1,
            (None, ']' | '}' | ')') => {
                let Some(inner) = depth.checked_sub(1) else {
                    return false;
                };
                depth = inner;
                if depth == 0 && n + 1 < text.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}
