//! The page's state as it lives in the URL, so reload, back and forward keep it.

use leptos_router::params::ParamsMap;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactsUrl {
    /// 1-based page of the table.
    pub page: u32,
    /// The contact whose details drawer is open.
    pub contact: Option<i64>,
}

impl ContactsUrl {
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
        ContactsUrl { page, contact }
    }

    pub fn href(&self) -> String {
        let mut parts = Vec::new();
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        if let Some(id) = self.contact {
            parts.push(format!("contact={id}"));
        }
        if parts.is_empty() {
            "/contacts".to_string()
        } else {
            format!("/contacts?{}", parts.join("&"))
        }
    }

    pub fn with_page(&self, page: u32) -> Self {
        ContactsUrl {
            page,
            contact: None,
        }
    }

    pub fn with_contact(&self, contact: Option<i64>) -> Self {
        ContactsUrl {
            contact,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> ParamsMap {
        let mut map = ParamsMap::new();
        for (k, v) in pairs {
            map.insert(k.to_string(), v.to_string());
        }
        map
    }

    #[test]
    fn missing_or_bad_values_fall_back_to_the_first_page() {
        assert_eq!(ContactsUrl::from_params(&params(&[])).page, 1);
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
    }

    #[test]
    fn href_round_trips_and_stays_short() {
        let url = ContactsUrl {
            page: 3,
            contact: Some(42),
        };
        assert_eq!(url.href(), "/contacts?page=3&contact=42");
        assert_eq!(ContactsUrl::default().with_page(1).href(), "/contacts");
        assert_eq!(
            ContactsUrl::from_params(&params(&[("page", "3"), ("contact", "42")])),
            url
        );
    }

    #[test]
    fn changing_page_closes_the_drawer_but_opening_keeps_the_page() {
        let url = ContactsUrl {
            page: 3,
            contact: Some(42),
        };
        assert_eq!(url.with_page(4).contact, None);
        assert_eq!(url.with_contact(None).page, 3);
    }
}
