//! Optional fields of request bodies: absent means "not given"; `null` is
//! not a value and is refused (400), as the API's schema says. Use with
//! `#[serde(default, skip_serializing_if = "Option::is_none", deserialize_with =
//! "crate::model::present::present")]`: skipping `None` keeps a body that
//! crosses to the tenant's writer as JSON readable on the other side.

use serde::{Deserialize, Deserializer};

/// Deserializes a field that is present: `Some(value)`; `null` is an error.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    #[derive(Debug, serde::Deserialize)]
    struct B {
        #[serde(default, deserialize_with = "super::present")]
        name: Option<String>,
    }

    #[test]
    fn absent_is_none_null_is_refused() {
        assert_eq!(serde_json::from_str::<B>("{}").unwrap().name, None);
        assert_eq!(
            serde_json::from_str::<B>(r#"{"name":"x"}"#)
                .unwrap()
                .name
                .as_deref(),
            Some("x")
        );
        assert!(serde_json::from_str::<B>(r#"{"name":null}"#).is_err());
    }
}
