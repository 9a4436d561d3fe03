//! The page's state as it lives in the URL, so reload, back and forward keep it
//! and a link shares exactly what one sees.

use crate::domain::{ListQuery, Sort};
use crate::filter::Filter;
use leptos_router::params::ParamsMap;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactsUrl {
    /// 1-based page of the table.
    pub page: u32,
    /// The search bar's text.
    pub q: String,
    pub sort: Sort,
    /// The Quick Filter, as JSON in `f`.
    pub filter: Filter,
    /// The selected saved segment.
    pub segment: Option<i64>,
    /// The contact whose details drawer is open.
    pub contact: Option<i64>,
    /// Whether the drawer is the contact editor (`edit=1`).
    pub edit: bool,
}

impl ContactsUrl {
    /// The state from decoded query pairs (the API's parameters, a link's query).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut params = ParamsMap::new();
        for (key, value) in pairs {
            params.insert(key, value);
        }
        Self::from_params(&params)
    }

    pub fn from_params(params: &ParamsMap) -> Self {
        let page = params
            .get("page")
            .and_then(|p| p.trim().parse::<u32>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        let contact = params
            .get("contact")
            .and_then(|c| c.trim().parse::<i64>().ok())
            .filter(|c| *c > 0);
        let q = params.get("q").unwrap_or_default();
        let sort = params
            .get("sort")
            .and_then(|s| Sort::parse(s.trim()))
            .unwrap_or_default();
        // A filter that does not parse (an old or edited link) is left out.
        let filter = params
            .get("f")
            .and_then(|f| crate::json::from_str(&f).ok())
            .unwrap_or_default();
        let segment = params
            .get("segment")
            .and_then(|c| c.trim().parse::<i64>().ok())
            .filter(|c| *c > 0);
        let edit = contact.is_some() && params.get("edit").is_some_and(|e| e == "1");
        ContactsUrl {
            page,
            q,
            sort,
            filter,
            segment,
            contact,
            edit,
        }
    }

    pub fn list_query(&self) -> ListQuery {
        ListQuery {
            page: self.page,
            q: self.q.clone(),
            sort: self.sort,
            filter: self.filter.clone(),
            segment: self.segment,
        }
    }

    pub fn href(&self) -> String {
        let mut parts = Vec::new();
        if let Some(id) = self.segment {
            parts.push(format!("segment={id}"));
        }
        if !self.q.trim().is_empty() {
            parts.push(format!("q={}", encode(&self.q)));
        }
        if self.sort != Sort::default() {
            parts.push(format!("sort={}", self.sort.to_param()));
        }
        if !self.filter.conditions.is_empty() {
            let json = serde_json::to_string(&self.filter).unwrap_or_default();
            parts.push(format!("f={}", encode(&json)));
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        if let Some(id) = self.contact {
            parts.push(format!("contact={id}"));
            if self.edit {
                parts.push("edit=1".into());
            }
        }
        if parts.is_empty() {
            "/contacts".to_string()
        } else {
            format!("/contacts?{}", parts.join("&"))
        }
    }

    /// Another page of the same list; the drawer closes.
    pub fn with_page(&self, page: u32) -> Self {
        ContactsUrl {
            page,
            contact: None,
            ..self.clone()
        }
    }

    /// Opens (or closes) the details drawer, in view mode.
    pub fn with_contact(&self, contact: Option<i64>) -> Self {
        ContactsUrl {
            contact,
            edit: false,
            ..self.clone()
        }
    }

    /// The open drawer in edit mode (or back to view mode).
    pub fn with_edit(&self, edit: bool) -> Self {
        ContactsUrl {
            edit: edit && self.contact.is_some(),
            ..self.clone()
        }
    }

    /// A new search starts on page 1 and leaves the segment.
    pub fn with_q(&self, q: &str) -> Self {
        ContactsUrl {
            q: q.to_string(),
            page: 1,
            contact: None,
            segment: None,
            ..self.clone()
        }
    }

    /// Selecting a segment clears the search and the quick filter, so the list
    /// is exactly the segment's definition.
    pub fn with_segment(&self, segment: Option<i64>) -> Self {
        ContactsUrl {
            segment,
            q: String::new(),
            filter: Filter::default(),
            page: 1,
            contact: None,
            ..self.clone()
        }
    }

    /// A new filter starts on page 1 and leaves the segment.
    pub fn with_filter(&self, filter: Filter) -> Self {
        ContactsUrl {
            filter,
            page: 1,
            contact: None,
            segment: None,
            ..self.clone()
        }
    }

    /// A new order starts on page 1.
    pub fn with_sort(&self, sort: Sort) -> Self {
        ContactsUrl {
            sort,
            page: 1,
            contact: None,
            ..self.clone()
        }
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SortKey;

    fn params(pairs: &[(&str, &str)]) -> ParamsMap {
        let mut map = ParamsMap::new();
        for (k, v) in pairs {
            map.insert(k.to_string(), v.to_string());
        }
        map
    }

    #[test]
    fn missing_or_bad_values_fall_back_to_defaults() {
        assert_eq!(
            ContactsUrl::from_params(&params(&[])),
            ContactsUrl {
                page: 1,
                ..Default::default()
            }
        );
        assert_eq!(ContactsUrl::from_params(&params(&[("page", "0")])).page, 1);
        assert_eq!(ContactsUrl::from_params(&params(&[("page", "-3")])).page, 1);
        assert_eq!(
            ContactsUrl::from_params(&params(&[("page", "abc")])).page,
            1
        );
        assert_eq!(ContactsUrl::from_params(&params(&[("page", "7")])).page, 7);
        assert_eq!(
            ContactsUrl::from_params(&params(&[("contact", "x")])).contact,
            None
        );
        assert_eq!(
            ContactsUrl::from_params(&params(&[("sort", "'; drop")])).sort,
            Sort::default()
        );
    }

    #[test]
    fn href_round_trips_and_stays_short() {
        let url = ContactsUrl {
            page: 3,
            contact: Some(42),
            ..Default::default()
        };
        assert_eq!(url.href(), "/contacts?page=3&contact=42");
        assert_eq!(
            url.with_edit(true).href(),
            "/contacts?page=3&contact=42&edit=1"
        );
        assert!(ContactsUrl::from_params(&params(&[("contact", "42"), ("edit", "1")])).edit);
        assert!(!ContactsUrl::from_params(&params(&[("edit", "1")])).edit);
        assert!(!url.with_edit(true).with_contact(Some(7)).edit);
        assert_eq!(ContactsUrl::default().with_page(1).href(), "/contacts");
        assert_eq!(
            ContactsUrl::from_params(&params(&[("page", "3"), ("contact", "42")])),
            url
        );
    }

    #[test]
    fn filters_survive_the_url_and_reset_the_page() {
        use crate::filter::{Condition, FieldRef, Join, Op, Value};
        let filter = Filter {
            join: Join::Any,
            conditions: vec![Condition {
                field: FieldRef::Custom(3),
                op: Op::Contains,
                value: Value::Text("a&b=c%".into()),
            }],
        };
        let url = ContactsUrl {
            page: 4,
            ..Default::default()
        }
        .with_filter(filter.clone());
        assert_eq!(url.page, 1);
        let href = url.href();
        let query = href.split_once('?').unwrap().1;
        let (key, value) = query.split_once('=').unwrap();
        assert_eq!(key, "f");
        let decoded = percent_decode(value);
        let mut params = ParamsMap::new();
        params.insert("f".to_string(), decoded);
        assert_eq!(ContactsUrl::from_params(&params).filter, filter);
        params.insert("f".to_string(), "{not json".to_string());
        assert_eq!(ContactsUrl::from_params(&params).filter, Filter::default());
    }

    fn percent_decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn selecting_a_segment_clears_search_and_filter() {
        let url = ContactsUrl {
            q: "ann".into(),
            page: 3,
            ..Default::default()
        }
        .with_segment(Some(7));
        assert_eq!(url.href(), "/contacts?segment=7");
        assert_eq!(url.with_q("bob").segment, None);
        assert_eq!(url.with_page(2).href(), "/contacts?segment=7&page=2");
    }

    #[test]
    fn search_text_is_encoded_so_any_character_survives() {
        let url = ContactsUrl::default().with_q("Müller & 100% a+b=c #1");
        assert_eq!(
            url.href(),
            "/contacts?q=M%C3%BCller%20%26%20100%25%20a%2Bb%3Dc%20%231"
        );
    }

    #[test]
    fn changing_search_or_sort_returns_to_page_one_and_keeps_the_rest() {
        let url = ContactsUrl {
            page: 9,
            q: "ann".into(),
            contact: Some(5),
            ..Default::default()
        };
        let sorted = url.with_sort(Sort {
            key: SortKey::Name,
            descending: false,
        });
        assert_eq!(
            (sorted.page, sorted.q.as_str(), sorted.contact),
            (1, "ann", None)
        );
        assert_eq!(sorted.href(), "/contacts?q=ann&sort=name");
        let searched = sorted.with_q("bob");
        assert_eq!((searched.page, searched.sort.key), (1, SortKey::Name));
        assert_eq!(url.with_page(4).contact, None);
        assert_eq!(url.with_contact(None).page, 9);
    }
}
