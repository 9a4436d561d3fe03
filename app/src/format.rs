//! Pure formatting for what the table shows: relative times, dates, initials and
//! custom field values. Shared by the server's HTML and the browser, so both agree.

use crate::domain::FieldType;
use chrono::{DateTime, Utc};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// "x time ago" between two instants in epoch milliseconds.
pub fn time_ago(now: i64, then: i64) -> String {
    let delta = now - then;
    if delta < MINUTE {
        return if delta < -MINUTE {
            "in the future".to_string()
        } else {
            "just now".to_string()
        };
    }
    let (n, unit) = if delta < HOUR {
        (delta / MINUTE, "minute")
    } else if delta < DAY {
        (delta / HOUR, "hour")
    } else if delta < 30 * DAY {
        (delta / DAY, "day")
    } else if delta < 365 * DAY {
        (delta / (30 * DAY), "month")
    } else {
        (delta / (365 * DAY), "year")
    };
    let plural = if n == 1 { "" } else { "s" };
    format!("{n} {unit}{plural} ago")
}

fn to_datetime(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

/// The exact moment, for hover text: "2026-03-01 14:05 UTC".
pub fn exact_time(ms: i64) -> String {
    to_datetime(ms)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// A machine-readable timestamp for `<time datetime>`.
pub fn iso_time(ms: i64) -> String {
    use chrono::{Datelike, Timelike};
    let Some(d) = to_datetime(ms) else {
        return String::new();
    };
    if !(0..=9999).contains(&d.year()) {
        return d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    }
    // Written digit by digit: the CSV export writes two per row, and chrono's
    // format string is parsed anew on every call.
    let mut out = [0u8; 20];
    let mut put = |at: usize, n: u32, width: usize| {
        let mut n = n;
        for i in (0..width).rev() {
            out[at + i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, d.year() as u32, 4);
    put(5, d.month(), 2);
    put(8, d.day(), 2);
    put(11, d.hour(), 2);
    put(14, d.minute(), 2);
    put(17, d.second(), 2);
    for (at, c) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'Z'),
    ] {
        out[at] = c;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Up to two initials for an avatar without an image; works for every script.
pub fn initials(name: &str) -> String {
    let mut words = name.split_whitespace();
    let first = words.next().and_then(|w| w.chars().next());
    let last = words.last().and_then(|w| w.chars().next());
    match (first, last) {
        (Some(a), Some(b)) => a.to_uppercase().chain(b.to_uppercase()).collect(),
        (Some(a), None) => a.to_uppercase().collect(),
        _ => "?".to_string(),
    }
}

/// A stored field value as a person reads it.
pub fn field_value(field_type: FieldType, raw: &str) -> String {
    match field_type {
        FieldType::MultiSelect => crate::json::from_str::<Vec<String>>(raw)
            .map(|items| items.join(", "))
            .unwrap_or_else(|_| raw.to_string()),
        FieldType::Number => raw
            .parse::<f64>()
            .map(format_number)
            .unwrap_or_else(|_| raw.to_string()),
        _ => raw.to_string(),
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A count with thousands separators: 1,234,567.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 contact", "2 contacts".
pub fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// A message body shortened for a one-line preview.
pub fn preview(body: &str, max_chars: usize) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        flat
    } else {
        let cut: String = flat.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ago_picks_the_largest_whole_unit() {
        let now = 1_000 * DAY;
        assert_eq!(time_ago(now, now - 5_000), "just now");
        assert_eq!(time_ago(now, now - MINUTE), "1 minute ago");
        assert_eq!(time_ago(now, now - 59 * MINUTE), "59 minutes ago");
        assert_eq!(time_ago(now, now - 3 * HOUR), "3 hours ago");
        assert_eq!(time_ago(now, now - DAY), "1 day ago");
        assert_eq!(time_ago(now, now - 45 * DAY), "1 month ago");
        assert_eq!(time_ago(now, now - 400 * DAY), "1 year ago");
        assert_eq!(time_ago(now, now - 800 * DAY), "2 years ago");
        assert_eq!(time_ago(now, now + HOUR), "in the future");
    }

    #[test]
    fn exact_time_is_utc_and_readable() {
        assert_eq!(exact_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(iso_time(1_700_000_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn iso_time_writes_what_chrono_writes_for_every_kind_of_instant() {
        let chrono_way = |ms: i64| {
            to_datetime(ms)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default()
        };
        // Leap days, the epoch, before it, far future and out of range.
        let mut samples = vec![
            0,
            -1,
            951_782_400_000,
            253_402_300_799_999,
            -62_167_219_200_001,
            i64::MAX,
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..10_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            samples.push((state % 4_102_444_800_000) as i64 - 100_000_000_000);
        }
        for ms in samples {
            assert_eq!(iso_time(ms), chrono_way(ms), "{ms}");
        }
    }

    #[test]
    fn initials_work_for_every_script() {
        assert_eq!(initials("Ada Lovelace"), "AL");
        assert_eq!(initials("josé maría garcía"), "JG");
        assert_eq!(initials("王伟"), "王");
        assert_eq!(initials("ßtefan"), "SS");
        assert_eq!(initials("   "), "?");
    }

    #[test]
    fn multi_select_values_are_joined_and_numbers_trimmed() {
        assert_eq!(
            field_value(FieldType::MultiSelect, r#"["Billing","Shipping"]"#),
            "Billing, Shipping"
        );
        assert_eq!(field_value(FieldType::Number, "1200.0"), "1200");
        assert_eq!(field_value(FieldType::Number, "12.5"), "12.5");
        assert_eq!(field_value(FieldType::Text, "plain"), "plain");
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-1000), "-1,000");
        assert_eq!(plural(1, "contact", "contacts"), "1 contact");
        assert_eq!(plural(1000, "contact", "contacts"), "1,000 contacts");
    }

    #[test]
    fn preview_flattens_and_cuts_on_characters() {
        assert_eq!(preview("hello\n  world", 20), "hello world");
        assert_eq!(preview("ééééé", 3), "éé…");
    }
}
