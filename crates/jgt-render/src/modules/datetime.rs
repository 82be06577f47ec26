//! `modules.datetime` and `modules.pytz`: Python's dates in templates.
//!
//! Supported: `datetime.datetime(y, m, d, h=0, mi=0, s=0, us=0, tzinfo=)`,
//! `datetime.datetime.now()`, `.utcnow()`, `.today()`, `.strptime(s, fmt)`,
//! `.fromisoformat(s)`, `.fromtimestamp(ts)`; `datetime.date(y, m, d)`,
//! `datetime.date.today()`, `.fromisoformat(s)`; `datetime.timedelta(days=,
//! seconds=, microseconds=, milliseconds=, minutes=, hours=, weeks=)`;
//! methods `strftime`, `isoformat`, `timestamp`, `date`, `astimezone`,
//! `weekday`, `isoweekday`, `total_seconds`, and `+`/`-` through the
//! methods `plus(delta)` / `minus(delta)`: minijinja's `+` and `-` take
//! numbers, strings and lists only, so `date - timedelta(days=1)` is an
//! error that names those methods. Comparisons (`<`, `==`, ...) work
//! between two datetimes, two dates or two timedeltas. `pytz.utc` and
//! `pytz.timezone('UTC')` are the only time zones.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use chrono::{
    DateTime as ChronoDateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime,
    TimeDelta, Timelike, Utc,
};
use minijinja::value::{from_args, DynObject, Kwargs, Object, Value};
use minijinja::{Error, ErrorKind, State};

/// Everything `modules.datetime` and `modules.pytz` hand out.
#[derive(Debug, Clone)]
pub(crate) enum Py {
    /// `modules.datetime`.
    DatetimeModule,
    /// `modules.pytz`.
    PytzModule,
    /// The class `datetime.datetime`.
    DatetimeClass,
    /// The class `datetime.date`.
    DateClass,
    /// The class `datetime.timedelta`.
    DeltaClass,
    /// A point in time, naive or with an offset.
    DateTime(NaiveDateTime, Option<FixedOffset>),
    /// A calendar day.
    Date(NaiveDate),
    /// A duration.
    Delta(TimeDelta),
    /// A time zone (only fixed offsets; `pytz.utc`).
    Zone(FixedOffset),
}

fn fail(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).expect("UTC is a valid offset")
}

/// `run_started_at`: `at` in UTC.
pub(crate) fn utc_datetime(at: ChronoDateTime<Utc>) -> Value {
    Value::from_object(Py::DateTime(at.naive_utc(), Some(utc())))
}

/// Python's `strftime` directives as chrono spells them (`%f` is
/// microseconds in Python, nanoseconds in chrono).
fn chrono_format(python: &str) -> String {
    python.replace("%f", "%6f")
}

fn offset_text(offset: FixedOffset) -> String {
    let seconds = offset.local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.abs();
    format!("{sign}{:02}:{:02}", seconds / 3600, seconds % 3600 / 60)
}

/// Python's `str()` / `isoformat()` of a datetime.
fn datetime_text(at: &NaiveDateTime, offset: Option<FixedOffset>, sep: &str) -> String {
    let micros = at.nanosecond() / 1000;
    let mut text = at.format(&format!("%Y-%m-%d{sep}%H:%M:%S")).to_string();
    if micros > 0 {
        text.push_str(&format!(".{micros:06}"));
    }
    if let Some(offset) = offset {
        text.push_str(&offset_text(offset));
    }
    text
}

/// Python's `str()` of a timedelta: `1 day, 2:03:04.000005`.
fn delta_text(delta: &TimeDelta) -> String {
    let micros = delta.num_microseconds().unwrap_or(i64::MAX);
    let days = micros.div_euclid(86_400_000_000);
    let rest = micros.rem_euclid(86_400_000_000);
    let (secs, micro) = (rest / 1_000_000, rest % 1_000_000);
    let mut text = String::new();
    if days != 0 {
        let plural = if days.abs() == 1 { "" } else { "s" };
        text.push_str(&format!("{days} day{plural}, "));
    }
    text.push_str(&format!(
        "{}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    ));
    if micro > 0 {
        text.push_str(&format!(".{micro:06}"));
    }
    text
}

fn zone_of(value: &Value) -> Result<FixedOffset, Error> {
    match value.downcast_object_ref::<Py>() {
        Some(Py::Zone(offset)) => Ok(*offset),
        _ => Err(fail(format!(
            "{value} is not a time zone; use modules.pytz.utc"
        ))),
    }
}

impl Py {
    fn value(self) -> Value {
        Value::from_object(self)
    }

    /// `datetime.datetime(y, m, d, h, mi, s, us, tzinfo=)`.
    fn new_datetime(args: &[Value]) -> Result<Value, Error> {
        let (parts, kwargs): (&[Value], Kwargs) = from_args(args)?;
        let mut n = [1i64, 1, 1, 0, 0, 0, 0];
        for (slot, part) in n.iter_mut().zip(parts) {
            *slot = i64::try_from(part.clone())?;
        }
        for (at, name) in [
            "year",
            "month",
            "day",
            "hour",
            "minute",
            "second",
            "microsecond",
        ]
        .iter()
        .enumerate()
        {
            if let Some(part) = kwargs.get::<Option<i64>>(name)? {
                n[at] = part;
            }
        }
        let zone = kwargs.get::<Option<Value>>("tzinfo")?;
        kwargs.assert_all_used()?;
        let date =
            NaiveDate::from_ymd_opt(n[0] as i32, n[1] as u32, n[2] as u32).ok_or_else(|| {
                fail(format!(
                    "datetime({}, {}, {}): no such day",
                    n[0], n[1], n[2]
                ))
            })?;
        let time =
            NaiveTime::from_hms_micro_opt(n[3] as u32, n[4] as u32, n[5] as u32, n[6] as u32)
                .ok_or_else(|| {
                    fail("datetime(): hour, minute, second or microsecond out of range")
                })?;
        let zone = zone
            .filter(|z| !z.is_none())
            .map(|z| zone_of(&z))
            .transpose()?;
        Ok(Py::DateTime(date.and_time(time), zone).value())
    }

    fn new_delta(args: &[Value]) -> Result<Value, Error> {
        let (parts, kwargs): (&[Value], Kwargs) = from_args(args)?;
        let units = [
            ("days", 86_400_000_000f64),
            ("seconds", 1_000_000.0),
            ("microseconds", 1.0),
            ("milliseconds", 1000.0),
            ("minutes", 60_000_000.0),
            ("hours", 3_600_000_000.0),
            ("weeks", 604_800_000_000.0),
        ];
        let mut micros = 0f64;
        for (n, (name, scale)) in units.iter().enumerate() {
            let given = match parts.get(n) {
                Some(part) => Some(f64::try_from(part.clone())?),
                None => kwargs.get::<Option<f64>>(name)?,
            };
            micros += given.unwrap_or(0.0) * scale;
        }
        kwargs.assert_all_used()?;
        Ok(Py::Delta(TimeDelta::microseconds(micros.round() as i64)).value())
    }

    fn class_method(&self, method: &str, args: &[Value]) -> Result<Value, Error> {
        let text = |n: usize| -> Result<String, Error> {
            args.get(n)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| fail(format!("{method}() needs a string argument")))
        };
        match (self, method) {
            (Py::DatetimeClass, "now") => {
                let zone = args
                    .first()
                    .filter(|z| !z.is_none())
                    .map(zone_of)
                    .transpose()?;
                Ok(match zone {
                    Some(zone) => {
                        Py::DateTime(Utc::now().with_timezone(&zone).naive_local(), Some(zone))
                    }
                    None => Py::DateTime(chrono::Local::now().naive_local(), None),
                }
                .value())
            }
            (Py::DatetimeClass, "utcnow") => Ok(Py::DateTime(Utc::now().naive_utc(), None).value()),
            (Py::DatetimeClass, "today") => {
                Ok(Py::DateTime(chrono::Local::now().naive_local(), None).value())
            }
            (Py::DatetimeClass, "strptime") => {
                let (input, format) = (text(0)?, chrono_format(&text(1)?));
                let parsed = NaiveDateTime::parse_from_str(&input, &format).or_else(|err| {
                    NaiveDate::parse_from_str(&input, &format)
                        .map(|d| d.and_time(NaiveTime::MIN))
                        .map_err(|_| err)
                });
                let at = parsed.map_err(|err| {
                    fail(format!(
                        "strptime('{input}', '{}'): {err}",
                        text(1).unwrap_or_default()
                    ))
                })?;
                Ok(Py::DateTime(at, None).value())
            }
            (Py::DatetimeClass, "fromisoformat") => {
                let input = text(0)?;
                if let Ok(at) = ChronoDateTime::parse_from_rfc3339(&input) {
                    return Ok(Py::DateTime(at.naive_local(), Some(*at.offset())).value());
                }
                let at = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                    .iter()
                    .find_map(|f| NaiveDateTime::parse_from_str(&input, f).ok())
                    .or_else(|| {
                        NaiveDate::parse_from_str(&input, "%Y-%m-%d")
                            .ok()
                            .map(|d| d.and_time(NaiveTime::MIN))
                    })
                    .ok_or_else(|| fail(format!("fromisoformat('{input}'): not an ISO date")))?;
                Ok(Py::DateTime(at, None).value())
            }
            (Py::DatetimeClass, "fromtimestamp" | "utcfromtimestamp") => {
                let seconds = f64::try_from(args.first().cloned().unwrap_or_default())?;
                let at = ChronoDateTime::from_timestamp_micros((seconds * 1e6) as i64)
                    .ok_or_else(|| fail("fromtimestamp(): out of range"))?;
                Ok(Py::DateTime(at.naive_utc(), None).value())
            }
            (Py::DateClass, "today") => Ok(Py::Date(chrono::Local::now().date_naive()).value()),
            (Py::DateClass, "fromisoformat") => {
                let input = text(0)?;
                let day = NaiveDate::parse_from_str(&input, "%Y-%m-%d")
                    .map_err(|err| fail(format!("fromisoformat('{input}'): {err}")))?;
                Ok(Py::Date(day).value())
            }
            (Py::PytzModule, "timezone") => match text(0)?.as_str() {
                "UTC" | "Etc/UTC" | "utc" => Ok(Py::Zone(utc()).value()),
                other => Err(fail(format!(
                    "pytz.timezone('{other}'): jgt knows only UTC; convert in SQL instead"
                ))),
            },
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn instance_method(&self, method: &str, args: &[Value]) -> Result<Value, Error> {
        let arg = |n: usize| args.get(n).cloned().unwrap_or_default();
        let delta = |n: usize| match arg(n).downcast_object_ref::<Py>() {
            Some(Py::Delta(delta)) => Ok(*delta),
            _ => Err(fail(format!(".{method}() takes a timedelta"))),
        };
        let out_of_range = || fail(format!(".{method}(): the result is out of range"));
        match (self, method) {
            (Py::DateTime(at, _), "strftime") => Ok(Value::from(
                at.format(&chrono_format(&arg(0).to_string())).to_string(),
            )),
            (Py::Date(day), "strftime") => Ok(Value::from(
                day.format(&chrono_format(&arg(0).to_string())).to_string(),
            )),
            (Py::DateTime(at, zone), "isoformat") => {
                let sep = arg(0).as_str().unwrap_or("T").to_string();
                Ok(Value::from(datetime_text(at, *zone, &sep)))
            }
            (Py::Date(day), "isoformat") => Ok(Value::from(day.to_string())),
            (Py::DateTime(at, zone), "timestamp") => {
                let utc_at = at.and_utc()
                    - TimeDelta::seconds(zone.unwrap_or(utc()).local_minus_utc() as i64);
                Ok(Value::from(utc_at.timestamp_micros() as f64 / 1e6))
            }
            (Py::DateTime(at, _), "date") => Ok(Py::Date(at.date()).value()),
            (Py::DateTime(at, zone), "astimezone") => {
                let target = zone_of(&arg(0))?;
                let from = zone.unwrap_or(utc());
                let moved = *at - TimeDelta::seconds(from.local_minus_utc() as i64)
                    + TimeDelta::seconds(target.local_minus_utc() as i64);
                Ok(Py::DateTime(moved, Some(target)).value())
            }
            (Py::DateTime(at, _), "weekday") => {
                Ok(Value::from(at.weekday().num_days_from_monday()))
            }
            (Py::Date(day), "weekday") => Ok(Value::from(day.weekday().num_days_from_monday())),
            (Py::DateTime(at, _), "isoweekday") => {
                Ok(Value::from(at.weekday().number_from_monday()))
            }
            (Py::Date(day), "isoweekday") => Ok(Value::from(day.weekday().number_from_monday())),
            (Py::Delta(d), "total_seconds") => {
                Ok(Value::from(d.num_microseconds().unwrap_or(0) as f64 / 1e6))
            }
            (Py::DateTime(at, zone), "plus" | "minus") => {
                let d = if method == "plus" {
                    delta(0)?
                } else {
                    -delta(0)?
                };
                Ok(Py::DateTime(at.checked_add_signed(d).ok_or_else(out_of_range)?, *zone).value())
            }
            (Py::Date(day), "plus" | "minus") => {
                let d = if method == "plus" {
                    delta(0)?
                } else {
                    -delta(0)?
                };
                Ok(Py::Date(day.checked_add_signed(d).ok_or_else(out_of_range)?).value())
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

impl Object for Py {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        let value = match (&**self, key) {
            (Py::DatetimeModule, "datetime") => Py::DatetimeClass.value(),
            (Py::DatetimeModule, "date") => Py::DateClass.value(),
            (Py::DatetimeModule, "timedelta") => Py::DeltaClass.value(),
            (Py::DatetimeModule, "timezone") => Value::from_object(UtcHolder),
            (Py::PytzModule, "utc" | "UTC") => Py::Zone(utc()).value(),
            (Py::DateTime(at, _), _) => match key {
                "year" => Value::from(at.year()),
                "month" => Value::from(at.month()),
                "day" => Value::from(at.day()),
                "hour" => Value::from(at.hour()),
                "minute" => Value::from(at.minute()),
                "second" => Value::from(at.second()),
                "microsecond" => Value::from(at.nanosecond() / 1000),
                "tzinfo" => match self.as_ref() {
                    Py::DateTime(_, Some(zone)) => Py::Zone(*zone).value(),
                    _ => Value::from(()),
                },
                _ => return None,
            },
            (Py::Date(day), "year") => Value::from(day.year()),
            (Py::Date(day), "month") => Value::from(day.month()),
            (Py::Date(day), "day") => Value::from(day.day()),
            (Py::Delta(d), "days") => Value::from(d.num_microseconds()?.div_euclid(86_400_000_000)),
            (Py::Delta(d), "seconds") => {
                Value::from(d.num_microseconds()?.rem_euclid(86_400_000_000) / 1_000_000)
            }
            (Py::Delta(d), "microseconds") => {
                Value::from(d.num_microseconds()?.rem_euclid(1_000_000))
            }
            _ => return None,
        };
        Some(value)
    }

    fn call(self: &Arc<Self>, _state: &State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        match &**self {
            Py::DatetimeClass => Py::new_datetime(args),
            Py::DateClass => {
                let (y, m, d): (i32, u32, u32) = from_args(args)?;
                let day = NaiveDate::from_ymd_opt(y, m, d)
                    .ok_or_else(|| fail(format!("date({y}, {m}, {d}): no such day")))?;
                Ok(Py::Date(day).value())
            }
            Py::DeltaClass => Py::new_delta(args),
            _ => Err(fail(format!("{self} cannot be called"))),
        }
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match &**self {
            Py::DatetimeClass | Py::DateClass | Py::PytzModule => self.class_method(method, args),
            _ => self.instance_method(method, args),
        }
    }

    fn custom_cmp(self: &Arc<Self>, other: &DynObject) -> Option<Ordering> {
        let other = other.downcast_ref::<Py>()?;
        match (&**self, other) {
            (Py::DateTime(a, za), Py::DateTime(b, zb)) => {
                let shift = |z: &Option<FixedOffset>| {
                    TimeDelta::seconds(z.unwrap_or(utc()).local_minus_utc() as i64)
                };
                Some((*a - shift(za)).cmp(&(*b - shift(zb))))
            }
            (Py::Date(a), Py::Date(b)) => Some(a.cmp(b)),
            (Py::Delta(a), Py::Delta(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Py {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Py::DatetimeModule => f.write_str("<module 'datetime'>"),
            Py::PytzModule => f.write_str("<module 'pytz'>"),
            Py::DatetimeClass => f.write_str("<class 'datetime.datetime'>"),
            Py::DateClass => f.write_str("<class 'datetime.date'>"),
            Py::DeltaClass => f.write_str("<class 'datetime.timedelta'>"),
            Py::DateTime(at, zone) => f.write_str(&datetime_text(at, *zone, " ")),
            Py::Date(day) => write!(f, "{day}"),
            Py::Delta(delta) => f.write_str(&delta_text(delta)),
            Py::Zone(zone) if zone.local_minus_utc() == 0 => f.write_str("UTC"),
            Py::Zone(zone) => f.write_str(&offset_text(*zone)),
        }
    }
}

/// `datetime.timezone`, whose only attribute is `utc`.
#[derive(Debug)]
struct UtcHolder;

impl Object for UtcHolder {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        (key.as_str()? == "utc").then(|| Py::Zone(utc()).value())
    }
}
