//! The rules a value must meet before it is saved, the same in the browser (as the
//! user types) and on the server (which never trusts the browser).
//!
//! Each rule takes what the user typed and returns the canonical text to store,
//! or a message to show next to the field.

use crate::domain::{CleanChange, EditField, FieldChange, FieldDef, FieldType};
use chrono::NaiveDate;

/// The longest text kept in a name or a text field.
pub const MAX_TEXT_CHARS: usize = 1_000;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_URL_CHARS: usize = 2_048;

/// A message for the person who typed the value.
pub type Problem = String;

/// What a person reads about text with a NUL character, which PostgreSQL
/// cannot store: it is refused on every backend alike.
pub const NUL_PROBLEM: &str =
    "This text contains an invisible control character (NUL). Remove it and try again.";

/// Text that every store can keep: no NUL character, within a length.
fn text(raw: &str, max: usize) -> Result<String, Problem> {
    let value = raw.trim();
    if value.contains('\0') {
        return Err(NUL_PROBLEM.into());
    }
    if value.chars().count() > max {
        return Err(format!("Keep this under {max} characters."));
    }
    Ok(value.to_string())
}

/// A contact's name: required, one line.
pub fn name(raw: &str) -> Result<String, Problem> {
    let value = text(raw, MAX_NAME_CHARS)?;
    if value.is_empty() {
        return Err("A contact needs a name.".into());
    }
    Ok(value.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// An email address by the WHATWG rule (what `<input type=email>` accepts).
pub fn email(raw: &str) -> Result<String, Problem> {
    let value = raw.trim();
    let problem = || format!("“{value}” is not an email address. Write it like name@example.com.");
    let (local, domain) = value.split_once('@').ok_or_else(problem)?;
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c));
    let domain_ok = !domain.is_empty()
        && domain.split('.').all(|label| {
            let bytes = label.as_bytes();
            !bytes.is_empty()
                && bytes.len() <= 63
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
                && bytes[0] != b'-'
                && bytes[bytes.len() - 1] != b'-'
        });
    if !local_ok || !domain_ok || value.len() > 254 {
        return Err(problem());
    }
    Ok(value.to_string())
}

/// Country calling codes assigned by the ITU (E.164), as strings of 1 to 3 digits.
const COUNTRY_CODES: &[&str] = &[
    "1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45",
    "46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
    "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98", "211",
    "212", "213", "216", "218", "220", "221", "222", "223", "224", "225", "226", "227", "228",
    "229", "230", "231", "232", "233", "234", "235", "236", "237", "238", "239", "240", "241",
    "242", "243", "244", "245", "246", "247", "248", "249", "250", "251", "252", "253", "254",
    "255", "256", "257", "258", "260", "261", "262", "263", "264", "265", "266", "267", "268",
    "269", "290", "291", "297", "298", "299", "350", "351", "352", "353", "354", "355", "356",
    "357", "358", "359", "370", "371", "372", "373", "374", "375", "376", "377", "378", "379",
    "380", "381", "382", "383", "385", "386", "387", "389", "420", "421", "423", "500", "501",
    "502", "503", "504", "505", "506", "507", "508", "509", "590", "591", "592", "593", "594",
    "595", "596", "597", "598", "599", "670", "672", "673", "674", "675", "676", "677", "678",
    "679", "680", "681", "682", "683", "685", "686", "687", "688", "689", "690", "691", "692",
    "800", "808", "850", "852", "853", "855", "856", "870", "878", "880", "881", "882", "883",
    "886", "888", "960", "961", "962", "963", "964", "965", "966", "967", "968", "970", "971",
    "972", "973", "974", "975", "976", "977", "979", "992", "993", "994", "995", "996", "998",
];

/// The country code a number in international form starts with.
pub fn country_code(digits: &str) -> Option<&'static str> {
    (1..=3)
        .filter_map(|n| digits.get(..n))
        .find_map(|prefix| COUNTRY_CODES.iter().copied().find(|cc| *cc == prefix))
}

/// How many digits numbers of a country have after its code, for the countries
/// most contacts come from (ITU numbering plans); 4 to 14 for the others.
fn national_lengths(cc: &str) -> std::ops::RangeInclusive<usize> {
    match cc {
        "7" | "30" | "52" | "90" | "91" | "92" => 10..=10,
        "27" | "31" | "33" | "34" | "48" | "61" => 9..=9,
        "44" | "81" | "84" => 9..=10,
        "20" | "82" => 8..=10,
        "55" | "86" => 10..=11,
        "971" => 8..=9,
        "353" => 7..=9,
        "39" => 6..=11,
        "49" => 5..=13,
        _ => 4..=14,
    }
}

/// A phone number in international form, normalized to E.164 (`+15551234567`).
///
/// Spaces, dots, dashes, slashes, parentheses and a national "(0)" are formatting;
/// a leading `00` is the international prefix. The number needs a country code
/// assigned by the ITU and as many digits after it as the country's numbering plan
/// has (15 in all at most, as E.164 says); North American area codes start 2–9.
pub fn phone(raw: &str) -> Result<String, Problem> {
    let value = raw.trim();
    let compact: String = value
        .replace("(0)", "")
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '/' | '(' | ')' | '\u{a0}'))
        .collect();
    let digits = if let Some(rest) = compact.strip_prefix('+') {
        rest
    } else if let Some(rest) = compact.strip_prefix("00") {
        rest
    } else {
        return Err(
            "Start the number with + and its country code, for example +1 555 123 4567.".into(),
        );
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "“{value}” is not a phone number: use digits, spaces and dashes only."
        ));
    }
    let cc = country_code(digits)
        .ok_or_else(|| format!("“{value}” does not start with a known country code."))?;
    let national = &digits[cc.len()..];
    let n = national.len();
    let length_ok = digits.len() <= 15
        && match cc {
            "1" => n == 10 && !national.starts_with(['0', '1']),
            _ => national_lengths(cc).contains(&n),
        };
    if !length_ok {
        return Err(format!(
            "“{value}” has the wrong number of digits for country code +{cc}."
        ));
    }
    Ok(format!("+{digits}"))
}

/// A web address: http or https, with a host and no spaces.
pub fn url(raw: &str) -> Result<String, Problem> {
    let value = raw.trim();
    let problem = || format!("“{value}” is not a web address. Start it with https://.");
    let lower = value.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(problem)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    if host.is_empty()
        || value.chars().any(char::is_whitespace)
        || !host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-' || c == '[' || c == ']')
    {
        return Err(problem());
    }
    if value.chars().count() > MAX_URL_CHARS {
        return Err(format!(
            "Keep the address under {MAX_URL_CHARS} characters."
        ));
    }
    Ok(value.to_string())
}

/// A finite number, stored in its shortest form ("12", "12.5").
pub fn number(raw: &str) -> Result<String, Problem> {
    let value = raw.trim().replace(['\u{a0}', ' ', '_'], "");
    let n: f64 = value
        .parse()
        .map_err(|_| format!("“{}” is not a number.", raw.trim()))?;
    if !n.is_finite() {
        return Err("The number is too large.".into());
    }
    Ok(if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    })
}

/// A real calendar day, written YYYY-MM-DD.
pub fn date(raw: &str) -> Result<String, Problem> {
    let value = raw.trim();
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|d| (1000..=9999).contains(&chrono::Datelike::year(d)))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(|| format!("“{value}” is not a date. Pick a day, or write it as 2026-01-31."))
}

/// One of the field's options, exactly.
pub fn select(raw: &str, options: &[String]) -> Result<String, Problem> {
    let value = raw.trim();
    options
        .iter()
        .find(|o| o.as_str() == value)
        .cloned()
        .ok_or_else(|| format!("“{value}” is not one of this field's options."))
}

/// Options of a multi-select, as a JSON array in the field's option order.
/// The input is a JSON array of option texts.
pub fn multi_select(raw: &str, options: &[String]) -> Result<String, Problem> {
    let chosen: Vec<String> = crate::json::from_str(raw.trim())
        .map_err(|_| "Choose options from the list.".to_string())?;
    if let Some(unknown) = chosen.iter().find(|c| !options.contains(c)) {
        return Err(format!("“{unknown}” is not one of this field's options."));
    }
    let ordered: Vec<&String> = options.iter().filter(|o| chosen.contains(o)).collect();
    Ok(serde_json::to_string(&ordered).unwrap_or_else(|_| "[]".into()))
}

/// A custom field value by its type. `None` clears the field.
pub fn field(def: &FieldDef, raw: &str) -> Result<Option<String>, Problem> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || (def.field_type == FieldType::MultiSelect && trimmed == "[]") {
        return Ok(None);
    }
    let value = match def.field_type {
        FieldType::Text => text(raw, MAX_TEXT_CHARS)?,
        FieldType::Url => url(raw)?,
        FieldType::Phone => phone(raw)?,
        FieldType::Email => email(raw)?,
        FieldType::Number => number(raw)?,
        FieldType::Date => date(raw)?,
        FieldType::Select => select(raw, &def.options)?,
        FieldType::MultiSelect => multi_select(raw, &def.options)?,
    };
    Ok(Some(value).filter(|v| v != "[]"))
}

/// An optional profile value: empty clears it.
pub fn optional(
    raw: &str,
    rule: impl Fn(&str) -> Result<String, Problem>,
) -> Result<Option<String>, Problem> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        rule(raw).map(Some)
    }
}

/// Validates one change against the workspace's fields: the canonical value to
/// store, or the problem to show next to the field.
pub fn change(fields: &[FieldDef], change: &FieldChange) -> Result<CleanChange, Problem> {
    let raw = change.value.as_str();
    let value = match change.field {
        EditField::Name => Some(name(raw)?),
        EditField::Email => optional(raw, email)?,
        EditField::Phone => optional(raw, phone)?,
        EditField::AvatarUrl => optional(raw, url)?,
        EditField::CampaignOptIn => match raw.trim() {
            "true" | "false" => Some(raw.trim().to_string()),
            _ => return Err("Choose on or off.".into()),
        },
        EditField::Custom(id) => {
            let def = fields
                .iter()
                .find(|f| f.id == id)
                .ok_or_else(|| "This field no longer exists. Reload the page.".to_string())?;
            field(def, raw)?
        }
    };
    Ok(CleanChange {
        field: change.field,
        expected: change.expected.clone(),
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_follow_the_whatwg_rule() {
        for ok in [
            "ann@example.com",
            "a.b+tag@sub.example.co.uk",
            "x@localhost",
            "o'brien@example.ie",
        ] {
            assert_eq!(email(ok).as_deref(), Ok(ok), "{ok}");
        }
        assert_eq!(email("  ann@example.com ").unwrap(), "ann@example.com");
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@@example.com",
            "ann@exa mple.com",
            "ann@-example.com",
            "ann@example..com",
            "jürgen@example.com",
            "ann@example.com.",
        ] {
            assert!(email(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn phones_are_normalized_to_e164_and_checked() {
        assert_eq!(phone("+1 (555) 123-4567").unwrap(), "+15551234567");
        assert_eq!(phone("0044 20 7946 0958").unwrap(), "+442079460958");
        assert_eq!(phone("+44 (0)20 7946 0958").unwrap(), "+442079460958");
        assert_eq!(phone("+49 30/1234567").unwrap(), "+49301234567");
        assert_eq!(phone("+7 912 345-67-89").unwrap(), "+79123456789");
        assert_eq!(phone("+353 1 234 5678").unwrap(), "+35312345678");
        assert!(phone("555 123 4567").is_err(), "a country code is required");
        assert!(
            phone("+1 555 123 456").is_err(),
            "NANP numbers have 10 digits"
        );
        assert!(
            phone("+1 055 123 4567").is_err(),
            "NANP area codes start 2-9"
        );
        assert!(phone("+999 1234567").is_err(), "999 is not a country code");
        assert!(
            phone("+91 848484848").is_err(),
            "Indian numbers have 10 digits"
        );
        assert_eq!(phone("+91 84848 48484").unwrap(), "+918484848484");
        assert!(phone("+44 12").is_err(), "too short");
        assert!(
            phone("+44 1234 5678 9012 34").is_err(),
            "longer than E.164 allows"
        );
        assert!(phone("+1 555 CALL NOW").is_err());
        assert!(phone("+").is_err());
    }

    #[test]
    fn urls_need_http_or_https_and_a_host() {
        assert!(url("https://example.com/a?b=c").is_ok());
        assert!(url("http://localhost:8080").is_ok());
        assert!(url("https://münchen.de").is_ok());
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://",
            "https://exa mple.com",
            "javascript:alert(1)",
        ] {
            assert!(url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_are_finite_and_stored_in_their_shortest_form() {
        assert_eq!(number(" 12 ").unwrap(), "12");
        assert_eq!(number("12.50").unwrap(), "12.5");
        assert_eq!(number("-3").unwrap(), "-3");
        assert_eq!(number("1 000").unwrap(), "1000");
        for bad in ["", "abc", "NaN", "inf", "1e400", "12,5"] {
            assert!(number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_must_be_real_days() {
        assert_eq!(date("2024-02-29").unwrap(), "2024-02-29");
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "31/01/2024",
            "yesterday",
            "0099-01-01",
        ] {
            assert!(date(bad).is_err(), "{bad}");
        }
    }

    fn def(field_type: FieldType, options: &[&str]) -> FieldDef {
        FieldDef {
            id: 1,
            key: "k".into(),
            label: "K".into(),
            field_type,
            options: options.iter().map(|o| o.to_string()).collect(),
            position: 0,
        }
    }

    #[test]
    fn select_values_come_from_the_fields_options() {
        let plan = def(FieldType::Select, &["Free", "Pro"]);
        assert_eq!(field(&plan, "Pro").unwrap().as_deref(), Some("Pro"));
        assert!(field(&plan, "Enterprise").is_err());
        assert_eq!(field(&plan, " ").unwrap(), None, "empty clears");

        let tags = def(FieldType::MultiSelect, &["a", "b", "c"]);
        assert_eq!(
            field(&tags, r#"["c","a","c"]"#).unwrap().as_deref(),
            Some(r#"["a","c"]"#)
        );
        assert_eq!(field(&tags, "[]").unwrap(), None);
        assert!(field(&tags, r#"["z"]"#).is_err());
        assert!(field(&tags, "a, b").is_err());
    }

    #[test]
    fn text_refuses_nul_and_overlong_values_and_names_are_required() {
        let notes = def(FieldType::Text, &[]);
        assert!(field(&notes, "a\0b").is_err());
        assert!(field(&notes, &"x".repeat(MAX_TEXT_CHARS + 1)).is_err());
        assert_eq!(field(&notes, "  hi  ").unwrap().as_deref(), Some("hi"));
        assert!(name("   ").is_err());
        assert_eq!(name("  Ann   Lee ").unwrap(), "Ann Lee");
    }
}
