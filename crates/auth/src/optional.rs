//! What an optional setter of a generated builder accepts.

/// A value for an optional field of a generated builder: the value itself, an `Option` of it,
/// `&str`/`&String` for text fields, and, for free-form objects, a JSON object (a
/// [`serde_json::Map`] or a [`serde_json::Value`] that is an object).
///
/// Generated setters take `impl IntoOptional<T>` where progenitor would take
/// `TryInto<Option<T>>`, so `.member_id("m-1")` works as `.member_id("m-1".to_owned())` does,
/// and `.member_id(None::<String>)` clears the field.
pub trait IntoOptional<T> {
    /// The field's value, or why this value does not fit.
    fn into_optional(self) -> Result<Option<T>, String>;
}

impl<T> IntoOptional<T> for T {
    fn into_optional(self) -> Result<Option<T>, String> {
        Ok(Some(self))
    }
}

impl<T> IntoOptional<T> for Option<T> {
    fn into_optional(self) -> Result<Option<T>, String> {
        Ok(self)
    }
}

impl IntoOptional<String> for &str {
    fn into_optional(self) -> Result<Option<String>, String> {
        Ok(Some(self.to_owned()))
    }
}

impl IntoOptional<String> for &String {
    fn into_optional(self) -> Result<Option<String>, String> {
        Ok(Some(self.clone()))
    }
}

impl IntoOptional<String> for Option<&str> {
    fn into_optional(self) -> Result<Option<String>, String> {
        Ok(self.map(str::to_owned))
    }
}

/// For generated free-form object types: a JSON value must be an object (or `null`, which
/// leaves the field empty).
#[doc(hidden)]
pub fn object_from_value(
    value: serde_json::Value,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, String> {
    match value {
        serde_json::Value::Object(map) => Ok(Some(map)),
        serde_json::Value::Null => Ok(None),
        other => Err(format!(
            "expected a JSON object, got {}",
            match other {
                serde_json::Value::Bool(_) => "a boolean",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::String(_) => "a string",
                _ => "an array",
            }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set<V: IntoOptional<String>>(v: V) -> Option<String> {
        v.into_optional().unwrap()
    }
    fn number<V: IntoOptional<i64>>(v: V) -> Option<i64> {
        v.into_optional().unwrap()
    }

    #[test]
    fn strings_options_and_literals_fit() {
        assert_eq!(set("a"), Some("a".to_owned()));
        let owned = "b".to_owned();
        assert_eq!(set(&owned), Some("b".to_owned()));
        assert_eq!(set("c".to_owned()), Some("c".to_owned()));
        assert_eq!(set(Some("d")), Some("d".to_owned()));
        assert_eq!(set(None::<String>), None);
        assert_eq!(number(5), Some(5));
        assert_eq!(number(None), None);
        assert!(object_from_value(serde_json::json!([1])).is_err());
        assert_eq!(object_from_value(serde_json::Value::Null), Ok(None));
    }
}
