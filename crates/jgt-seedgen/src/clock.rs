//! Calendar arithmetic for the seed's timestamps.
//!
//! Times are whole seconds since 1970-01-01 00:00:00 (no time zone), printed
//! as `YYYY-MM-DD HH:MM:SS`. The seed only spans 2021-2022, so simple loops
//! over years and months are all that is needed.

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Seconds in an hour.
pub const HOUR: i64 = 3_600;

/// The earliest moment a user may be created: 2021-09-01 00:00:00.
pub const USERS_FROM: i64 = timestamp(2021, 9, 1, 0, 0, 0);

/// The latest moment a user may be created: 2021-11-30 23:59:59.
pub const USERS_UNTIL: i64 = timestamp(2021, 11, 30, 23, 59, 59);

/// The latest moment an event may happen: 2022-01-31 23:59:59.
pub const EVENTS_UNTIL: i64 = timestamp(2022, 1, 31, 23, 59, 59);

/// Whether `year` is a Gregorian leap year.
const fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in `month` (1-12) of `year`.
const fn month_days(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Seconds since 1970-01-01 00:00:00 of a date and time on or after 1970.
pub const fn timestamp(year: i64, month: i64, day: i64, hour: i64, min: i64, sec: i64) -> i64 {
    let mut days = 0;
    let mut y = 1970;
    while y < year {
        days += if is_leap(y) { 366 } else { 365 };
        y += 1;
    }
    let mut m = 1;
    while m < month {
        days += month_days(year, m);
        m += 1;
    }
    days += day - 1;
    days * DAY + hour * HOUR + min * 60 + sec
}

/// Prints `ts` (on or after 1970) as `YYYY-MM-DD HH:MM:SS`.
pub fn format(ts: i64) -> [u8; 19] {
    let mut days = ts.div_euclid(DAY);
    let secs = ts.rem_euclid(DAY);
    let mut year = 1970;
    loop {
        let len = if is_leap(year) { 366 } else { 365 };
        if days < len {
            break;
        }
        days -= len;
        year += 1;
    }
    let mut month = 1;
    while days >= month_days(year, month) {
        days -= month_days(year, month);
        month += 1;
    }
    let fields = [
        (year, 4),
        (month, 2),
        (days + 1, 2),
        (secs / HOUR, 2),
        (secs % HOUR / 60, 2),
        (secs % 60, 2),
    ];
    let mut out = *b"0000-00-00 00:00:00";
    let mut at = 0;
    for (value, width) in fields {
        let mut v = value;
        for i in (0..width).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        at += width + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(ts: i64) -> String {
        String::from_utf8(format(ts).to_vec()).unwrap()
    }

    #[test]
    fn known_dates() {
        assert_eq!(timestamp(1970, 1, 1, 0, 0, 0), 0);
        assert_eq!(USERS_FROM, 1_630_454_400);
        assert_eq!(text(USERS_FROM), "2021-09-01 00:00:00");
        assert_eq!(text(USERS_UNTIL), "2021-11-30 23:59:59");
        assert_eq!(text(EVENTS_UNTIL), "2022-01-31 23:59:59");
        assert_eq!(
            text(timestamp(2024, 2, 29, 12, 5, 9)),
            "2024-02-29 12:05:09"
        );
    }

    #[test]
    fn round_trips_every_day() {
        let mut ts = timestamp(2020, 1, 1, 0, 0, 0);
        while ts < timestamp(2023, 1, 1, 0, 0, 0) {
            let s = text(ts + 3_723);
            let part = |a: usize, b: usize| s[a..b].parse::<i64>().unwrap();
            let back = timestamp(
                part(0, 4),
                part(5, 7),
                part(8, 10),
                part(11, 13),
                part(14, 16),
                part(17, 19),
            );
            assert_eq!(back, ts + 3_723);
            ts += DAY;
        }
    }
}
