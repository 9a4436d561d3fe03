//! The Quick Filter language: conditions on contact fields joined by AND or OR.
//!
//! This module is pure. It defines the filter tree, checks it against the
//! workspace's field definitions, and evaluates it in memory ([`Filter::matches`]):
//! that evaluator is the reference the SQL compiler in the server is tested against.
//!
//! Rules shared by the evaluator and the compiler:
//! - Text comparisons fold case with Unicode rules ([`fold`]); phone values compare
//!   their digits only.
//! - Negative operators (does not contain, is not, ≠, has none of) also match an
//!   empty value; positive ones never do.
//! - A conversation field matches when any of the contact's conversations has a
//!   matching value; its negative operators mean that none has.
//! - Dates are UTC days; "in the last N days" runs from N days before now to now.

use crate::domain::{FieldDef, FieldType};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const DAY_MS: i64 = 86_400_000;
/// The most conditions one filter may hold.
pub const MAX_CONDITIONS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Join {
    #[default]
    All,
    Any,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Filter {
    pub join: Join,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub field: FieldRef,
    pub op: Op,
    #[serde(default)]
    pub value: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum FieldRef {
    Name,
    Email,
    Phone,
    CreatedAt,
    LastInteraction,
    CampaignOptIn,
    Labels,
    HasConversations,
    /// A custom contact field, by definition id.
    Custom(i64),
    /// A conversation field, by definition id.
    Conversation(i64),
}

impl FieldRef {
    /// Every field that is not a custom or conversation field.
    pub const BUILT_IN: [FieldRef; 8] = [
        FieldRef::Name,
        FieldRef::Email,
        FieldRef::Phone,
        FieldRef::CreatedAt,
        FieldRef::LastInteraction,
        FieldRef::CampaignOptIn,
        FieldRef::Labels,
        FieldRef::HasConversations,
    ];
}

/// What kind of value a field holds, which decides its operators and input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Phone,
    Number,
    /// A UTC timestamp (created at, last interaction).
    Instant,
    /// A calendar day (custom date fields).
    Day,
    Select,
    MultiSelect,
    Boolean,
    Labels,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Contains,
    NotContains,
    Is,
    IsNot,
    StartsWith,
    IsEmpty,
    IsNotEmpty,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    On,
    Before,
    After,
    Between,
    InLastDays,
    MoreThanDaysAgo,
    IsAnyOf,
    HasAnyOf,
    HasAllOf,
    HasNoneOf,
}

impl Op {
    pub fn label(self) -> &'static str {
        match self {
            Op::Contains => "contains",
            Op::NotContains => "does not contain",
            Op::Is => "is",
            Op::IsNot => "is not",
            Op::StartsWith => "starts with",
            Op::IsEmpty => "is empty",
            Op::IsNotEmpty => "is not empty",
            Op::Eq => "=",
            Op::Ne => "≠",
            Op::Lt => "<",
            Op::Le => "≤",
            Op::Gt => ">",
            Op::Ge => "≥",
            Op::On => "on",
            Op::Before => "before",
            Op::After => "after",
            Op::Between => "between",
            Op::InLastDays => "in the last N days",
            Op::MoreThanDaysAgo => "more than N days ago",
            Op::IsAnyOf => "is any of",
            Op::HasAnyOf => "has any of",
            Op::HasAllOf => "has all of",
            Op::HasNoneOf => "has none of",
        }
    }

    /// Operators that also match an empty value.
    pub fn is_negative(self) -> bool {
        matches!(
            self,
            Op::NotContains | Op::IsNot | Op::Ne | Op::HasNoneOf | Op::IsEmpty
        )
    }
}

impl Kind {
    pub fn ops(self) -> &'static [Op] {
        use Op::*;
        match self {
            Kind::Text | Kind::Phone => &[
                Contains,
                NotContains,
                Is,
                IsNot,
                StartsWith,
                IsEmpty,
                IsNotEmpty,
            ],
            Kind::Number => &[Eq, Ne, Lt, Le, Gt, Ge, IsEmpty, IsNotEmpty],
            Kind::Instant | Kind::Day => &[
                On,
                Before,
                After,
                Between,
                InLastDays,
                MoreThanDaysAgo,
                IsEmpty,
                IsNotEmpty,
            ],
            Kind::Select => &[Is, IsNot, IsAnyOf, IsEmpty],
            Kind::MultiSelect => &[HasAnyOf, HasAllOf, HasNoneOf, IsEmpty],
            Kind::Boolean => &[Is],
            Kind::Labels => &[HasAnyOf, HasAllOf, HasNoneOf],
        }
    }
}

/// A condition's operand, shaped by its operator.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Value {
    #[default]
    None,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Range(NaiveDate, NaiveDate),
    Days(u32),
    Bool(bool),
    /// Options of a select field, or label ids as text.
    List(Vec<String>),
}

/// Why a condition cannot run, for the message next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ConditionError {
    #[error("This field no longer exists.")]
    UnknownField,
    #[error("“{0}” does not apply to this field.")]
    WrongOperator(String),
    #[error("{0}")]
    BadValue(String),
}

/// Field definitions and labels a filter is checked against.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    pub fields: Vec<FieldDef>,
    pub conversation_fields: Vec<FieldDef>,
    /// Label ids and names.
    pub labels: Vec<(i64, String)>,
}

impl Kind {
    /// The kind of a custom field's values.
    pub fn of(field_type: FieldType) -> Kind {
        match field_type {
            FieldType::Text | FieldType::Url | FieldType::Email => Kind::Text,
            FieldType::Phone => Kind::Phone,
            FieldType::Number => Kind::Number,
            FieldType::Date => Kind::Day,
            FieldType::Select => Kind::Select,
            FieldType::MultiSelect => Kind::MultiSelect,
        }
    }
}

impl Schema {
    /// The kind of a field, or `None` when it no longer exists.
    pub fn kind(&self, field: FieldRef) -> Option<Kind> {
        let of = |def: &FieldDef| Kind::of(def.field_type);
        Some(match field {
            FieldRef::Name | FieldRef::Email => Kind::Text,
            FieldRef::Phone => Kind::Phone,
            FieldRef::CreatedAt | FieldRef::LastInteraction => Kind::Instant,
            FieldRef::CampaignOptIn | FieldRef::HasConversations => Kind::Boolean,
            FieldRef::Labels => Kind::Labels,
            FieldRef::Custom(id) => of(self.fields.iter().find(|f| f.id == id)?),
            FieldRef::Conversation(id) => {
                of(self.conversation_fields.iter().find(|f| f.id == id)?)
            }
        })
    }

    pub fn def(&self, field: FieldRef) -> Option<&FieldDef> {
        match field {
            FieldRef::Custom(id) => self.fields.iter().find(|f| f.id == id),
            FieldRef::Conversation(id) => self.conversation_fields.iter().find(|f| f.id == id),
            _ => None,
        }
    }

    /// Checks one condition: the field exists, the operator fits it, and the
    /// value is complete and valid.
    pub fn check(&self, c: &Condition) -> Result<Kind, ConditionError> {
        let kind = self.kind(c.field).ok_or(ConditionError::UnknownField)?;
        if !kind.ops().contains(&c.op) {
            return Err(ConditionError::WrongOperator(c.op.label().into()));
        }
        let bad = |m: &str| Err(ConditionError::BadValue(m.into()));
        let nul = match &c.value {
            Value::Text(t) => t.contains('\0'),
            Value::List(items) => items.iter().any(|i| i.contains('\0')),
            _ => false,
        };
        if nul {
            return bad(crate::validate::NUL_PROBLEM);
        }
        match (c.op, &c.value) {
            (Op::IsEmpty | Op::IsNotEmpty, _) => {}
            (Op::InLastDays | Op::MoreThanDaysAgo, Value::Days(n)) if *n <= 36_500 => {}
            (Op::InLastDays | Op::MoreThanDaysAgo, _) => {
                return bad("Enter a number of days from 0 to 36,500.")
            }
            (Op::On | Op::Before | Op::After, Value::Date(_)) => {}
            (Op::On | Op::Before | Op::After, _) => return bad("Pick a date."),
            (Op::Between, Value::Range(a, b)) if a <= b => {}
            (Op::Between, Value::Range(..)) => {
                return bad("The first date must not be after the second.")
            }
            (Op::Between, _) => return bad("Pick both dates."),
            (Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge, Value::Number(n))
                if n.is_finite() => {}
            (Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge, _) => {
                return bad("Enter a number.")
            }
            (Op::Is, Value::Bool(_)) if kind == Kind::Boolean => {}
            (Op::Is, _) if kind == Kind::Boolean => return bad("Choose yes or no."),
            (Op::Is | Op::IsNot, Value::Text(t)) if kind == Kind::Select => {
                self.check_options(c.field, std::slice::from_ref(t))?;
            }
            (Op::IsAnyOf | Op::HasAnyOf | Op::HasAllOf | Op::HasNoneOf, Value::List(items))
                if !items.is_empty() =>
            {
                if kind == Kind::Labels {
                    for item in items {
                        let known = item
                            .parse::<i64>()
                            .ok()
                            .filter(|id| self.labels.iter().any(|(l, _)| l == id));
                        if known.is_none() {
                            return bad("One of the chosen labels no longer exists.");
                        }
                    }
                } else {
                    self.check_options(c.field, items)?;
                }
            }
            (Op::IsAnyOf | Op::HasAnyOf | Op::HasAllOf | Op::HasNoneOf, _) => {
                return bad("Choose at least one option.")
            }
            (
                Op::Contains | Op::NotContains | Op::Is | Op::IsNot | Op::StartsWith,
                Value::Text(t),
            ) if !fold_for(kind, t).is_empty() => {}
            (Op::Contains | Op::NotContains | Op::Is | Op::IsNot | Op::StartsWith, _) => {
                return bad(if kind == Kind::Phone {
                    "Enter some digits."
                } else {
                    "Enter some text."
                })
            }
        }
        Ok(kind)
    }

    fn check_options(&self, field: FieldRef, items: &[String]) -> Result<(), ConditionError> {
        let def = self.def(field).ok_or(ConditionError::UnknownField)?;
        for item in items {
            if !def.options.contains(item) {
                return Err(ConditionError::BadValue(format!(
                    "“{item}” is not an option of {}.",
                    def.label
                )));
            }
        }
        Ok(())
    }

    /// Checks every condition, with the error of each (in order).
    pub fn check_all(&self, filter: &Filter) -> Vec<Option<ConditionError>> {
        filter
            .conditions
            .iter()
            .map(|c| self.check(c).err())
            .collect()
    }
}

/// Unicode case folding for comparisons, the same in memory and in the database
/// (which stores folded copies of text values).
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// The digits of a phone number, which is how phones compare.
pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// The comparable form of a value of `kind`.
pub fn fold_for(kind: Kind, text: &str) -> String {
    if kind == Kind::Phone {
        digits(text)
    } else {
        fold(text.trim())
    }
}

/// Start of a UTC day in epoch milliseconds.
pub fn day_start(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp_millis()
}

/// The UTC day of an instant.
pub fn day_of(ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.date_naive())
        .unwrap_or_default()
}

/// A conversation as the reference evaluator sees it: label ids and field values.
pub type SubjectConversation = (Vec<i64>, Vec<(i64, String)>);

/// One contact as the reference evaluator sees it.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: i64,
    pub last_interaction_at: Option<i64>,
    pub campaign_opt_in: bool,
    /// Custom field values by field id, as stored.
    pub fields: Vec<(i64, String)>,
    /// Per conversation: its label ids and its field values.
    pub conversations: Vec<SubjectConversation>,
}

impl Filter {
    /// Whether the filter selects `s`; conditions must have passed [`Schema::check`].
    pub fn matches(&self, schema: &Schema, s: &Subject, now: i64) -> bool {
        let mut results = self
            .conditions
            .iter()
            .map(|c| condition_matches(schema, c, s, now));
        match self.join {
            Join::All => results.all(|r| r),
            Join::Any => results.any(|r| r),
        }
    }
}

fn condition_matches(schema: &Schema, c: &Condition, s: &Subject, now: i64) -> bool {
    let Ok(kind) = schema.check(c) else {
        return false;
    };
    match c.field {
        FieldRef::Name => text_matches(
            kind,
            c,
            Some(&s.name).filter(|n| !n.is_empty()).map(String::as_str),
        ),
        FieldRef::Email => text_matches(kind, c, s.email.as_deref()),
        FieldRef::Phone => text_matches(kind, c, s.phone.as_deref()),
        FieldRef::CreatedAt => instant_matches(c, Some(s.created_at), now),
        FieldRef::LastInteraction => instant_matches(c, s.last_interaction_at, now),
        FieldRef::CampaignOptIn => c.value == Value::Bool(s.campaign_opt_in),
        FieldRef::HasConversations => c.value == Value::Bool(!s.conversations.is_empty()),
        FieldRef::Labels => {
            let ids: Vec<i64> = match &c.value {
                Value::List(items) => items.iter().filter_map(|i| i.parse().ok()).collect(),
                _ => vec![],
            };
            let has = |id: &i64| {
                s.conversations
                    .iter()
                    .any(|(labels, _)| labels.contains(id))
            };
            match c.op {
                Op::HasAnyOf => ids.iter().any(has),
                Op::HasAllOf => ids.iter().all(has),
                _ => !ids.iter().any(has),
            }
        }
        FieldRef::Custom(id) => {
            let value = s
                .fields
                .iter()
                .find(|(f, _)| *f == id)
                .map(|(_, v)| v.as_str());
            value_matches(kind, c, value, now)
        }
        FieldRef::Conversation(id) => {
            let values = s.conversations.iter().filter_map(|(_, fields)| {
                fields
                    .iter()
                    .find(|(f, _)| *f == id)
                    .map(|(_, v)| v.as_str())
            });
            // Any conversation for positive operators; none for negative ones.
            let positive = positive_of(c);
            let any = values
                .clone()
                .any(|v| value_matches(kind, &positive, Some(v), now));
            match c.op {
                Op::IsEmpty => !values.clone().any(|v| !is_empty_value(kind, Some(v))),
                op if op.is_negative() => !any,
                _ => any,
            }
        }
    }
}

/// The positive counterpart of a negative condition (does not contain → contains).
pub fn positive_of(c: &Condition) -> Condition {
    let op = match c.op {
        Op::NotContains => Op::Contains,
        Op::IsNot => Op::Is,
        Op::Ne => Op::Eq,
        Op::HasNoneOf => Op::HasAnyOf,
        Op::IsEmpty => Op::IsNotEmpty,
        other => other,
    };
    Condition { op, ..c.clone() }
}

/// Whether a stored custom value counts as empty for its kind.
pub fn is_empty_value(kind: Kind, value: Option<&str>) -> bool {
    match (kind, value) {
        (_, None) => true,
        (Kind::Text | Kind::Phone, Some(v)) => fold_for(kind, v).is_empty(),
        (Kind::MultiSelect, Some(v)) => v.is_empty() || v == "[]",
        (_, Some(v)) => v.is_empty(),
    }
}

fn value_matches(kind: Kind, c: &Condition, value: Option<&str>, now: i64) -> bool {
    match c.op {
        Op::IsEmpty => return is_empty_value(kind, value),
        Op::IsNotEmpty => return !is_empty_value(kind, value),
        _ => {}
    }
    let value = value.filter(|v| !is_empty_value(kind, Some(v)));
    match kind {
        Kind::Text | Kind::Phone => text_matches(kind, c, value),
        Kind::Number => {
            let n = value.and_then(|v| v.parse::<f64>().ok());
            let Value::Number(x) = c.value else {
                return match c.op {
                    Op::IsEmpty => n.is_none(),
                    _ => n.is_some(),
                };
            };
            match (c.op, n) {
                (Op::Ne, None) => true,
                (_, None) => false,
                (Op::Eq, Some(n)) => n == x,
                (Op::Ne, Some(n)) => n != x,
                (Op::Lt, Some(n)) => n < x,
                (Op::Le, Some(n)) => n <= x,
                (Op::Gt, Some(n)) => n > x,
                (Op::Ge, Some(n)) => n >= x,
                _ => false,
            }
        }
        Kind::Day => {
            let d = value.and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok());
            day_matches(c, d, now)
        }
        Kind::Select => match (&c.value, c.op) {
            (_, Op::IsEmpty) => value.is_none(),
            (Value::Text(t), Op::Is) => value == Some(t.as_str()),
            (Value::Text(t), Op::IsNot) => value != Some(t.as_str()),
            (Value::List(items), Op::IsAnyOf) => {
                value.is_some_and(|v| items.iter().any(|i| i == v))
            }
            _ => false,
        },
        Kind::MultiSelect => {
            let set: Vec<String> = value
                .and_then(|v| crate::json::from_str(v).ok())
                .unwrap_or_default();
            let items = match &c.value {
                Value::List(items) => items.as_slice(),
                _ => &[],
            };
            match c.op {
                Op::IsEmpty => set.is_empty(),
                Op::HasAnyOf => items.iter().any(|i| set.contains(i)),
                Op::HasAllOf => items.iter().all(|i| set.contains(i)),
                Op::HasNoneOf => !items.iter().any(|i| set.contains(i)),
                _ => false,
            }
        }
        Kind::Instant | Kind::Boolean | Kind::Labels => false,
    }
}

fn text_matches(kind: Kind, c: &Condition, value: Option<&str>) -> bool {
    let value = value.map(|v| fold_for(kind, v)).filter(|v| !v.is_empty());
    let needle = match &c.value {
        Value::Text(t) => fold_for(kind, t),
        _ => String::new(),
    };
    match (c.op, value) {
        (Op::IsEmpty, v) => v.is_none(),
        (Op::IsNotEmpty, v) => v.is_some(),
        (Op::NotContains | Op::IsNot, None) => true,
        (_, None) => false,
        (Op::Contains, Some(v)) => v.contains(&needle),
        (Op::NotContains, Some(v)) => !v.contains(&needle),
        (Op::Is, Some(v)) => v == needle,
        (Op::IsNot, Some(v)) => v != needle,
        (Op::StartsWith, Some(v)) => v.starts_with(&needle),
        _ => false,
    }
}

fn instant_matches(c: &Condition, at: Option<i64>, now: i64) -> bool {
    let Some(at) = at else {
        return c.op == Op::IsEmpty;
    };
    match (c.op, &c.value) {
        (Op::IsEmpty, _) => false,
        (Op::IsNotEmpty, _) => true,
        (Op::On, Value::Date(d)) => at >= day_start(*d) && at < day_start(*d) + DAY_MS,
        (Op::Before, Value::Date(d)) => at < day_start(*d),
        (Op::After, Value::Date(d)) => at >= day_start(*d) + DAY_MS,
        (Op::Between, Value::Range(a, b)) => at >= day_start(*a) && at < day_start(*b) + DAY_MS,
        (Op::InLastDays, Value::Days(n)) => at >= now - i64::from(*n) * DAY_MS && at <= now,
        (Op::MoreThanDaysAgo, Value::Days(n)) => at < now - i64::from(*n) * DAY_MS,
        _ => false,
    }
}

fn day_matches(c: &Condition, d: Option<NaiveDate>, now: i64) -> bool {
    let Some(d) = d else {
        return c.op == Op::IsEmpty;
    };
    let today = day_of(now);
    match (c.op, &c.value) {
        (Op::IsEmpty, _) => false,
        (Op::IsNotEmpty, _) => true,
        (Op::On, Value::Date(x)) => d == *x,
        (Op::Before, Value::Date(x)) => d < *x,
        (Op::After, Value::Date(x)) => d > *x,
        (Op::Between, Value::Range(a, b)) => d >= *a && d <= *b,
        (Op::InLastDays, Value::Days(n)) => {
            d >= today - chrono::Days::new(u64::from(*n)) && d <= today
        }
        (Op::MoreThanDaysAgo, Value::Days(n)) => d < today - chrono::Days::new(u64::from(*n)),
        _ => false,
    }
}
