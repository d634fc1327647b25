//! How an answer of the API is printed: JSON as the server sent it (the
//! default, for scripts, as The Things Stack's CLI does), or a table for
//! people; `--field-mask` keeps the named fields of each record in both.

use comfy_table::{presets, Table};
use serde_json::{Map, Value};

use super::{usage, Failure};

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// The API's JSON, pretty-printed.
    #[default]
    Json,
    /// A table: one row per record of a listing, or field and value.
    Table,
}

/// The records of an answer: a listing's items (`{"organizations": […]}`),
/// or the answer itself when it is one record.
fn records_mut(v: &mut Value) -> Vec<&mut Map<String, Value>> {
    if is_listing(v) {
        return match v {
            Value::Object(o) => o
                .values_mut()
                .flat_map(|a| a.as_array_mut().into_iter().flatten())
                .filter_map(Value::as_object_mut)
                .collect(),
            Value::Array(a) => a.iter_mut().filter_map(Value::as_object_mut).collect(),
            _ => Vec::new(),
        };
    }
    v.as_object_mut().into_iter().collect()
}

fn is_listing(v: &Value) -> bool {
    matches!(v, Value::Object(o) if o.len() == 1 && o.values().all(Value::is_array)) || v.is_array()
}

/// Keeps `fields` of every record; a name no record has is a usage error
/// that lists the names there are (so a typo does not print empty records).
pub fn mask(v: &mut Value, fields: &[String]) -> Result<(), Failure> {
    let mut records = records_mut(v);
    if records.is_empty() {
        return Ok(());
    }
    for f in fields {
        if !records.iter().any(|r| r.contains_key(f)) {
            let mut known: Vec<&str> = records
                .iter()
                .flat_map(|r| r.keys().map(String::as_str))
                .collect();
            known.sort_unstable();
            known.dedup();
            return Err(usage(format!(
                "--field-mask: no field {f:?} in the answer (fields: {})",
                known.join(", ")
            )));
        }
    }
    for r in &mut records {
        r.retain(|k, _| fields.iter().any(|f| f == k));
    }
    Ok(())
}

/// One cell: strings bare, lists of scalars joined, anything else as JSON.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
            a.iter().map(cell).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

/// The answer as a table: a listing's records as rows (columns in the
/// order the fields first appear), or one record as field and value.
pub fn table(v: &Value) -> String {
    let mut t = Table::new();
    t.load_style(presets::UTF8_HORIZONTAL_ONLY);
    let mut v = v.clone();
    let listing = is_listing(&v);
    let records = records_mut(&mut v);
    if listing {
        let mut columns: Vec<String> = Vec::new();
        for r in &records {
            for k in r.keys() {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
        t.set_header(columns.iter().map(|c| c.to_uppercase()));
        for r in &records {
            t.add_row(
                columns
                    .iter()
                    .map(|c| r.get(c).map(cell).unwrap_or_default()),
            );
        }
    } else if let Some(r) = records.first() {
        t.set_header(["FIELD", "VALUE"]);
        for (k, val) in r.iter() {
            t.add_row([k.clone(), cell(val)]);
        }
    } else {
        return format!("{}\n", cell(&v));
    }
    format!("{t}\n")
}

/// The text printed for an answer.
pub fn render(mut v: Value, format: Format, fields: Option<&[String]>) -> Result<String, Failure> {
    if let Some(f) = fields {
        mask(&mut v, f)?;
    }
    Ok(match format {
        Format::Json => super::pretty(&v),
        Format::Table => table(&v),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_listing_is_one_row_per_record_and_the_mask_keeps_the_named_fields() {
        let mut v = json!({"organizations": [
            {"id": "acme", "name": "ACME", "state": "approved"},
            {"id": "beta", "name": "Beta", "state": "pending"}
        ]});
        mask(&mut v, &["id".into(), "state".into()]).ok();
        assert_eq!(
            v,
            json!({"organizations": [{"id": "acme", "state": "approved"}, {"id": "beta", "state": "pending"}]})
        );
        let t = table(&v);
        assert!(
            t.contains("ID") && t.contains("STATE") && !t.contains("NAME"),
            "{t}"
        );
        assert!(t.contains("acme") && t.contains("pending"), "{t}");
    }

    #[test]
    fn one_record_is_field_and_value_with_lists_joined() {
        let t = table(&json!({"id": "k1", "rights": ["RIGHT_A", "RIGHT_B"], "expires_at": null}));
        assert!(t.contains("FIELD") && t.contains("RIGHT_A, RIGHT_B"), "{t}");
    }

    #[test]
    fn an_unknown_field_is_a_usage_error_naming_the_fields_there_are() {
        let mut v = json!({"id": "acme", "name": "ACME"});
        match mask(&mut v, &["nmae".into()]) {
            Err(Failure::Usage(m)) => assert!(m.contains("id, name"), "{m}"),
            _ => panic!("expected a usage error"),
        }
        // An empty listing has nothing to check the names against.
        assert!(mask(&mut json!({"users": []}), &["x".into()]).is_ok());
    }
}
