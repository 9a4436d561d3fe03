//! Domain types shared by the server and the browser.

use serde::{Deserialize, Serialize};

pub type WorkspaceId = i64;
pub type ContactId = i64;

/// Contacts shown on one page of the table.
pub const PAGE_SIZE: u32 = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: String,
    pub contact_count: i64,
    /// Bumped on every change to the workspace's contacts: Live mode's cheap check.
    pub change_seq: i64,
}

/// The types a custom field can have, for contacts and for conversations alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Url,
    Phone,
    Email,
    Number,
    Select,
    MultiSelect,
    Date,
}

impl FieldType {
    pub const ALL: [FieldType; 8] = [
        FieldType::Text,
        FieldType::Url,
        FieldType::Phone,
        FieldType::Email,
        FieldType::Number,
        FieldType::Select,
        FieldType::MultiSelect,
        FieldType::Date,
    ];

    /// The name stored in the database and used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Url => "url",
            FieldType::Phone => "phone",
            FieldType::Email => "email",
            FieldType::Number => "number",
            FieldType::Select => "select",
            FieldType::MultiSelect => "multi_select",
            FieldType::Date => "date",
        }
    }

    pub fn parse(s: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    pub id: i64,
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub options: Vec<String>,
    pub position: i32,
}

/// A stored custom field value, as the field's canonical text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldValue {
    pub field_id: i64,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagePreview {
    pub body: String,
    pub incoming: bool,
    pub created_at: i64,
}

/// One row of the All Contacts table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRow {
    pub id: ContactId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub avatar_url: Option<String>,
    pub avatar_color: String,
    pub created_at: i64,
    pub last_interaction_at: Option<i64>,
    pub last_message: Option<MessagePreview>,
    pub campaign_opt_in: bool,
    pub version: i64,
    pub fields: Vec<FieldValue>,
    /// Values of conversation fields, each from the contact's latest conversation that has one.
    pub conversation_fields: Vec<FieldValue>,
}

impl ContactRow {
    pub fn field(&self, field_id: i64) -> Option<&str> {
        self.fields
            .iter()
            .find(|v| v.field_id == field_id)
            .map(|v| v.value.as_str())
    }

    pub fn conversation_field(&self, field_id: i64) -> Option<&str> {
        self.conversation_fields
            .iter()
            .find(|v| v.field_id == field_id)
            .map(|v| v.value.as_str())
    }
}

/// The columns the table can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    Name,
    CreatedAt,
    #[default]
    LastInteraction,
    /// A custom contact field, by definition id; empty values always come last.
    Field(i64),
}

impl SortKey {
    pub const ALL: [SortKey; 3] = [SortKey::Name, SortKey::CreatedAt, SortKey::LastInteraction];

    /// The name in the URL's `sort`.
    pub fn param(self) -> String {
        match self {
            SortKey::Name => "name".into(),
            SortKey::CreatedAt => "created_at".into(),
            SortKey::LastInteraction => "last_interaction".into(),
            SortKey::Field(id) => format!("field:{id}"),
        }
    }

    fn from_param(s: &str) -> Option<SortKey> {
        if let Some(id) = s.strip_prefix("field:") {
            return id.parse().ok().filter(|id| *id > 0).map(SortKey::Field);
        }
        SortKey::ALL.into_iter().find(|k| k.param() == s)
    }

    /// The direction a first click sorts in: names and fields A to Z, dates
    /// newest first.
    pub fn natural_descending(self) -> bool {
        matches!(self, SortKey::CreatedAt | SortKey::LastInteraction)
    }
}

/// A sort order. Ties are always broken by contact id in the same direction, so
/// pages never overlap and reversing the order reverses the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            key: SortKey::LastInteraction,
            descending: true,
        }
    }
}

impl Sort {
    /// Parses the URL form: `name`, `-created_at` (a leading minus means descending).
    pub fn parse(s: &str) -> Option<Sort> {
        let (descending, name) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let key = SortKey::from_param(name)?;
        Some(Sort { key, descending })
    }

    pub fn to_param(self) -> String {
        format!(
            "{}{}",
            if self.descending { "-" } else { "" },
            self.key.param()
        )
    }

    /// The order after a click on `key`'s header: the same column flips, another
    /// column starts in its natural direction.
    pub fn toggled(self, key: SortKey) -> Sort {
        if self.key == key {
            Sort {
                key,
                descending: !self.descending,
            }
        } else {
            Sort {
                key,
                descending: key.natural_descending(),
            }
        }
    }
}

/// What the search bar asks for, normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchTerm {
    /// Free text: a case-insensitive substring of the name, email, phone or a
    /// custom field value.
    Text(String),
    /// Something typed like a phone number ("555 123", "+1 (555)"): matched on
    /// its digits alone, so formatting never matters.
    PhoneDigits(String),
}

impl SearchTerm {
    /// The longest search accepted; longer input is cut, never an error.
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Option<SearchTerm> {
        // Control characters (a pasted NUL or tab) separate words like spaces.
        let text: String = raw
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|word| !word.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(Self::MAX_CHARS)
            .collect();
        if text.is_empty() {
            return None;
        }
        let phone_like = text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if phone_like && digits.len() >= 3 {
            Some(SearchTerm::PhoneDigits(digits))
        } else {
            Some(SearchTerm::Text(text))
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            SearchTerm::Text(t) | SearchTerm::PhoneDigits(t) => t,
        }
    }
}

/// What the table asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListQuery {
    /// 1-based page number.
    pub page: u32,
    /// The search bar's text, as typed.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sort: Sort,
    /// The Quick Filter's conditions.
    #[serde(default)]
    pub filter: crate::filter::Filter,
    /// A saved segment to apply instead of the search and filter.
    #[serde(default)]
    pub segment: Option<i64>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            page: 1,
            q: String::new(),
            sort: Sort::default(),
            filter: crate::filter::Filter::default(),
            segment: None,
        }
    }
}

impl ListQuery {
    pub fn search(&self) -> Option<SearchTerm> {
        SearchTerm::parse(&self.q)
    }
}

impl ListQuery {
    /// Rows to skip for this page.
    pub fn offset(&self) -> u64 {
        u64::from(self.page.max(1) - 1) * u64::from(PAGE_SIZE)
    }
}

/// One page of the table with everything needed to render it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactPage {
    pub workspace: Workspace,
    pub rows: Vec<ContactRow>,
    /// How many contacts the list has, when it was cheap to know with the page;
    /// otherwise `None`, and `count_contacts` answers it separately so the page
    /// never waits for a count over a million rows.
    pub total: Option<i64>,
    pub page: u32,
    pub per_page: u32,
    /// The server's clock when the page was made, so "x time ago" reads the same
    /// in the server's HTML and after hydration.
    pub now: i64,
    pub fields: Vec<FieldDef>,
    pub conversation_fields: Vec<FieldDef>,
    pub labels: Vec<Label>,
    /// The workspace's saved segments, by name.
    pub segments: Vec<SegmentInfo>,
    /// The segment this page shows, when one is selected.
    pub segment: Option<ActiveSegment>,
    /// The field columns shown, in order (custom and conversation fields).
    pub columns: Vec<crate::filter::FieldRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentInfo {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveSegment {
    pub id: i64,
    pub name: String,
    pub filter: crate::filter::Filter,
    /// Why the segment cannot run (a field deleted or changed since it was saved).
    pub problem: Option<String>,
}

impl ContactPage {
    /// What the Quick Filter can use in this workspace.
    pub fn schema(&self) -> crate::filter::Schema {
        crate::filter::Schema {
            fields: self.fields.clone(),
            conversation_fields: self.conversation_fields.clone(),
            labels: self.labels.iter().map(|l| (l.id, l.name.clone())).collect(),
        }
    }

    /// Whether a page after this one may exist: known from the total, or, while
    /// it is being counted, guessed from a full page.
    pub fn may_have_next(&self) -> bool {
        match self.total {
            Some(total) => i64::from(self.page) * i64::from(self.per_page) < total,
            None => self.rows.len() >= self.per_page as usize,
        }
    }
}

pub fn page_count(total: i64, per_page: u32) -> u32 {
    let per_page = i64::from(per_page.max(1));
    let pages = (total.max(0) + per_page - 1) / per_page;
    u32::try_from(pages).unwrap_or(u32::MAX)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    pub id: i64,
    pub name: String,
    pub color: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    pub body: String,
    pub incoming: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: i64,
    pub status: String,
    pub created_at: i64,
    pub last_message_at: Option<i64>,
    pub labels: Vec<Label>,
    pub fields: Vec<FieldValue>,
    /// The latest messages, newest last.
    pub messages: Vec<Message>,
    pub message_count: i64,
}

/// Everything the Contact Details drawer shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactDetails {
    pub contact: ContactRow,
    pub fields: Vec<FieldDef>,
    pub conversation_fields: Vec<FieldDef>,
    pub conversations: Vec<ConversationSummary>,
    pub conversation_count: i64,
    pub now: i64,
}

/// A value of a contact that can be edited, inline or in the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum EditField {
    Name,
    Email,
    Phone,
    AvatarUrl,
    CampaignOptIn,
    /// A custom contact field, by definition id.
    Custom(i64),
}

impl EditField {
    /// The name errors use to point at the field (and the form's input ids).
    pub fn key(self) -> String {
        match self {
            EditField::Name => "name".into(),
            EditField::Email => "email".into(),
            EditField::Phone => "phone".into(),
            EditField::AvatarUrl => "avatar_url".into(),
            EditField::CampaignOptIn => "campaign_opt_in".into(),
            EditField::Custom(id) => format!("field-{id}"),
        }
    }

    /// The stored value of this field in a row, as text ("true"/"false" for the switch).
    pub fn value_in(self, row: &ContactRow) -> Option<String> {
        match self {
            EditField::Name => Some(row.name.clone()),
            EditField::Email => row.email.clone(),
            EditField::Phone => row.phone.clone(),
            EditField::AvatarUrl => row.avatar_url.clone(),
            EditField::CampaignOptIn => Some(row.campaign_opt_in.to_string()),
            EditField::Custom(id) => row.field(id).map(str::to_string),
        }
    }

    /// Puts a stored value into a row, as a save returned it.
    pub fn set_in(self, row: &mut ContactRow, value: Option<String>) {
        match self {
            EditField::Name => row.name = value.unwrap_or_default(),
            EditField::Email => row.email = value,
            EditField::Phone => row.phone = value,
            EditField::AvatarUrl => row.avatar_url = value,
            EditField::CampaignOptIn => row.campaign_opt_in = value.as_deref() == Some("true"),
            EditField::Custom(id) => {
                row.fields.retain(|v| v.field_id != id);
                if let Some(value) = value {
                    row.fields.push(FieldValue {
                        field_id: id,
                        value,
                    });
                }
            }
        }
    }
}

/// One change to save: the value the user saw (`expected`, as stored) and the
/// value typed (`value`; empty clears the field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: EditField,
    pub expected: Option<String>,
    pub value: String,
}

/// A change after validation: the canonical value to store.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanChange {
    pub field: EditField,
    pub expected: Option<String>,
    pub value: Option<String>,
}

/// What a save stored: the contact's new version and each saved value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedContact {
    pub version: i64,
    pub values: Vec<(EditField, Option<String>)>,
}

/// How a save went in storage.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveOutcome {
    Saved(SavedContact),
    /// The field changed since the user saw it: nothing was written.
    Conflict {
        field: EditField,
        current: Option<String>,
    },
    /// The contact is gone (deleted meanwhile, or never in this workspace).
    NotFound,
}

/// The contacts a bulk action applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DeleteTarget {
    /// Contacts ticked one by one.
    Ids(Vec<ContactId>),
    /// Every contact the list query matches, across pages.
    Matching(ListQuery),
}

/// What the delete confirmation tells before anything is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteSummary {
    pub total: i64,
    pub with_conversations: i64,
}

/// One contact as a CSV export writes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExportRow {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: i64,
    pub last_interaction_at: Option<i64>,
    pub campaign_opt_in: bool,
    pub fields: Vec<FieldValue>,
    /// Labels of the contact's recent conversations, by name.
    pub labels: Vec<String>,
    /// Conversation field values, each from the most recent conversation that has one.
    pub conversation_fields: Vec<FieldValue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_count_rounds_up_and_handles_empty() {
        assert_eq!(page_count(0, 10), 0);
        assert_eq!(page_count(1, 10), 1);
        assert_eq!(page_count(10, 10), 1);
        assert_eq!(page_count(11, 10), 2);
        assert_eq!(page_count(1_000_000, 10), 100_000);
    }

    #[test]
    fn offset_treats_page_zero_as_first_page() {
        let at = |page| ListQuery {
            page,
            ..ListQuery::default()
        };
        assert_eq!(at(0).offset(), 0);
        assert_eq!(at(1).offset(), 0);
        assert_eq!(at(50_000).offset(), 499_990);
    }

    #[test]
    fn sorts_round_trip_through_the_url_and_toggle_like_headers() {
        for key in SortKey::ALL {
            for descending in [false, true] {
                let sort = Sort { key, descending };
                assert_eq!(Sort::parse(&sort.to_param()), Some(sort));
            }
        }
        assert_eq!(Sort::parse("email"), None);
        assert_eq!(Sort::parse("field:x"), None);
        let by_field = Sort::parse("-field:12").unwrap();
        assert_eq!(
            (by_field.key, by_field.descending),
            (SortKey::Field(12), true)
        );
        assert_eq!(by_field.to_param(), "-field:12");
        assert_eq!(
            Sort::default().toggled(SortKey::Field(3)).to_param(),
            "field:3"
        );
        let default = Sort::default();
        assert_eq!(default.to_param(), "-last_interaction");
        let by_name = default.toggled(SortKey::Name);
        assert_eq!(by_name.to_param(), "name");
        assert_eq!(by_name.toggled(SortKey::Name).to_param(), "-name");
        assert_eq!(
            by_name.toggled(SortKey::CreatedAt).to_param(),
            "-created_at"
        );
    }

    #[test]
    fn search_terms_are_trimmed_and_phone_like_input_becomes_digits() {
        assert_eq!(SearchTerm::parse("   "), None);
        assert_eq!(SearchTerm::parse("\0"), None);
        assert_eq!(
            SearchTerm::parse("\0ann\u{7}lee"),
            Some(SearchTerm::Text("ann lee".into())),
            "control characters separate words"
        );
        assert_eq!(
            SearchTerm::parse("  Müller \t Groß "),
            Some(SearchTerm::Text("Müller Groß".into()))
        );
        assert_eq!(
            SearchTerm::parse("555 123"),
            Some(SearchTerm::PhoneDigits("555123".into()))
        );
        assert_eq!(
            SearchTerm::parse("+1 (555) 123-4567"),
            Some(SearchTerm::PhoneDigits("15551234567".into()))
        );
        // Too few digits to be a phone fragment: plain text.
        assert_eq!(SearchTerm::parse("12"), Some(SearchTerm::Text("12".into())));
        assert_eq!(
            SearchTerm::parse("100%"),
            Some(SearchTerm::Text("100%".into()))
        );
        let long = "x".repeat(500);
        assert_eq!(
            SearchTerm::parse(&long).unwrap().as_str().len(),
            SearchTerm::MAX_CHARS
        );
    }

    #[test]
    fn field_types_round_trip_their_names() {
        for t in FieldType::ALL {
            assert_eq!(FieldType::parse(t.as_str()), Some(t));
        }
        assert_eq!(FieldType::parse("boolean"), None);
    }
}
