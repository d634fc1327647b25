//! The constraints the API checks, as JSON Schema (feature `openapi`): the
//! request and response types name these beside their fields
//! (`#[schemars(schema_with = "…")]`), so docs/openapi.json says exactly
//! what the worker accepts — IDs, lengths, control characters, right names.
//! Each pattern here is held to the check it describes by the tests below.

use schemars::{json_schema, Schema, SchemaGenerator};
use serde_json::{json, Value};

use crate::core::rights::{Right, RightKind, RightSet};
use crate::core::roles::ORGANIZATION_HOLDABLE;
use crate::model::text::{self, DESCRIPTION_MAX, EMAIL_MAX, NAME_MAX};

/// `^[a-z0-9](?:-?[a-z0-9]){1,35}$` (CONTRACT section 2).
pub const ID_PATTERN: &str = "^[a-z0-9](?:-?[a-z0-9]){1,35}$";
/// An API key ID: 16 base32 characters.
pub const KEY_ID_PATTERN: &str = "^[A-Z2-7]{16}$";

fn or_null(mut s: Schema) -> Schema {
    if let Some(obj) = s.as_object_mut() {
        if let Some(Value::String(t)) = obj.get("type").cloned() {
            obj.insert("type".into(), json!([t, "null"]));
        } else if obj.contains_key("enum") || obj.contains_key("items") {
            return json_schema!({"anyOf": [Value::Object(obj.clone()), {"type": "null"}]});
        }
    }
    s
}

fn names(set: RightSet) -> Vec<&'static str> {
    set.names()
}

fn rights_of(set: RightSet) -> Schema {
    json_schema!({"type": "array", "items": {"enum": names(set)}})
}

macro_rules! schema_fns {
    ($( $(#[$doc:meta])* $name:ident, $optional:ident => $body:expr; )*) => {
        $(
            $(#[$doc])*
            pub fn $name(_: &mut SchemaGenerator) -> Schema {
                $body
            }
            /// The same, or `null` (an optional field).
            pub fn $optional(g: &mut SchemaGenerator) -> Schema {
                or_null($name(g))
            }
        )*
    };
}

schema_fns! {
    /// A user, organization, entity, role or tenant ID.
    id, id_or_null => json_schema!({"type": "string", "minLength": 2, "maxLength": 36, "pattern": ID_PATTERN});
    /// A display name: 1 to 50 characters.
    name, name_or_null => json_schema!({"type": "string", "minLength": 1, "maxLength": NAME_MAX, "pattern": text::name_pattern()});
    /// A first or last name: at most 50 characters.
    name_part, name_part_or_null => json_schema!({"type": "string", "maxLength": NAME_MAX, "pattern": text::name_part_pattern()});
    /// A description: at most 2000 characters.
    description, description_or_null => json_schema!({"type": "string", "maxLength": DESCRIPTION_MAX, "pattern": text::description_pattern()});
    /// An email address, or empty.
    email, email_or_null => json_schema!({"type": "string", "maxLength": EMAIL_MAX, "pattern": format!("^$|{}", text::email_pattern())});
    /// An email address, required.
    email_address, email_address_or_null => json_schema!({"type": "string", "maxLength": EMAIL_MAX, "pattern": text::email_pattern()});
    /// A password: 8 to 1024 characters.
    password, password_or_null => json_schema!({"type": "string", "minLength": 8, "maxLength": 1024});
    /// Right names of the catalog.
    rights, rights_or_null => rights_of(RightSet::EVERYTHING);
    /// Right names an organization can hold (roles, memberships, organization keys).
    holdable_rights, holdable_rights_or_null => rights_of(ORGANIZATION_HOLDABLE.implied());
    /// An RFC 3339 time.
    date_time, date_time_or_null => json_schema!({"type": "string", "format": "date-time"});
    /// An API key ID.
    key_id, key_id_or_null => json_schema!({"type": "string", "pattern": KEY_ID_PATTERN});
}

/// Right names of one entity kind (a collaborator's rights: at least one).
pub fn rights_of_kind(kind: RightKind) -> Schema {
    let mut s = rights_of(RightSet::of_kind(kind));
    s.insert("minItems".into(), json!(1));
    s
}

/// Rights as they are answered: short-form names.
pub fn right_names(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "array", "items": {"enum": Right::ALL.iter().map(|r| r.name()).collect::<Vec<_>>()}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holdable_rights_list_what_organizations_hold() {
        let holdable = holdable_rights(&mut SchemaGenerator::default());
        let listed = holdable
            .get("items")
            .and_then(|i| i.get("enum"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        assert_eq!(listed, ORGANIZATION_HOLDABLE.implied().len());
        let optional = name_or_null(&mut SchemaGenerator::default());
        assert_eq!(optional.get("type"), Some(&json!(["string", "null"])));
    }
}
