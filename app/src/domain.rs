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

/// What the table asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// 1-based page number.
    pub page: u32,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery { page: 1 }
    }
}

impl ListQuery {
    pub fn offset(&self) -> u64 {
        u64::from(self.page.max(1) - 1) * u64::from(PAGE_SIZE)
    }
}

/// One page of the table with everything needed to render it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactPage {
    pub workspace: Workspace,
    pub rows: Vec<ContactRow>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    /// The server's clock when the page was made, so "x time ago" reads the same
    /// in the server's HTML and after hydration.
    pub now: i64,
    pub fields: Vec<FieldDef>,
    pub conversation_fields: Vec<FieldDef>,
}

impl ContactPage {
    pub fn page_count(&self) -> u32 {
        page_count(self.total, self.per_page)
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
        assert_eq!(ListQuery { page: 0 }.offset(), 0);
        assert_eq!(ListQuery { page: 1 }.offset(), 0);
        assert_eq!(ListQuery { page: 50_000 }.offset(), 499_990);
    }

    #[test]
    fn field_types_round_trip_their_names() {
        for t in FieldType::ALL {
            assert_eq!(FieldType::parse(t.as_str()), Some(t));
        }
        assert_eq!(FieldType::parse("boolean"), None);
    }
}
