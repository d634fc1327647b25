//! The text fields of records — names, descriptions, email addresses — and
//! their checks, beside the JSON Schema patterns that describe the same
//! checks in docs/openapi.json (see [`crate::http::schema`]). The character
//! classes are spelled out, never `\s`: JavaScript, Python and Rust disagree
//! on what `\s` means, and a client generated from the document, a fuzzer
//! and the server must agree on every character.

/// Longest name (CONTRACT section 7).
pub const NAME_MAX: usize = 50;
/// Longest description.
pub const DESCRIPTION_MAX: usize = 2000;
/// Longest email address (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;

/// Spaces as names see them: ASCII controls and space, C1 controls and
/// no-break space, Unicode's other space separators, line and paragraph
/// separators, and the byte order mark.
pub fn is_space(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{20}' | '\u{7f}'..='\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}'
        | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}')
}

/// The class [`is_space`] is, as a regular expression class body.
const SPACE_CLASS: &str = "\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff";
/// Control characters (Unicode category Cc), as a class body.
const CONTROL_CLASS: &str = "\\u0000-\\u001f\\u007f-\\u009f";

/// A name: no control characters, at least one character that is not a space.
pub fn name_pattern() -> String {
    format!("^[^{CONTROL_CLASS}]*[^{SPACE_CLASS}][^{CONTROL_CLASS}]*$")
}

/// A first or last name: no control characters (may be empty).
pub fn name_part_pattern() -> String {
    format!("^[^{CONTROL_CLASS}]*$")
}

/// A description: no control characters but line feeds.
pub fn description_pattern() -> String {
    "^[^\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f]*$".to_owned()
}

/// An email address: one `@` between non-empty parts without spaces.
pub fn email_pattern() -> String {
    format!("^[^@{SPACE_CLASS}]+@[^@{SPACE_CLASS}]+$")
}

/// Why a text is refused: the reason for a 400.
pub type TextError = String;

fn length(field: &str, value: &str, max: usize) -> Result<(), TextError> {
    if value.chars().count() > max {
        return Err(format!("`{field}` is longer than {max} characters"));
    }
    Ok(())
}

/// A display name: 1 to 50 characters, not only spaces, no control characters.
pub fn check_name(field: &str, value: &str) -> Result<(), TextError> {
    length(field, value, NAME_MAX)?;
    if value.chars().any(char::is_control) {
        return Err(format!("`{field}` holds control characters"));
    }
    if value.chars().all(is_space) {
        return Err(format!("`{field}` is required and cannot be empty"));
    }
    Ok(())
}

/// A first or last name: at most 50 characters, no control characters.
pub fn check_name_part(field: &str, value: &str) -> Result<(), TextError> {
    length(field, value, NAME_MAX)?;
    if value.chars().any(char::is_control) {
        return Err(format!("`{field}` holds control characters"));
    }
    Ok(())
}

/// A description: at most 2000 characters, no control characters but `\n`.
pub fn check_description(value: &str) -> Result<(), TextError> {
    length("description", value, DESCRIPTION_MAX)?;
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err("`description` holds control characters".into());
    }
    Ok(())
}

/// An email address (`required`: not empty): at most 254 characters, one
/// `@` between non-empty parts, no spaces or control characters.
pub fn check_email(field: &str, value: &str, required: bool) -> Result<(), TextError> {
    if value.is_empty() && !required {
        return Ok(());
    }
    length(field, value, EMAIL_MAX)?;
    let ok = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !value.chars().any(is_space)
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("`{field}` is not an email address"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_refuse_what_the_patterns_refuse() {
        assert!(check_name("name", "Team A").is_ok());
        for bad in [
            "",
            "   ",
            "\u{feff}",
            "\u{3000}\u{a0}",
            "a\nb",
            "a\u{7}b",
            &"x".repeat(51),
        ] {
            assert!(check_name("name", bad).is_err(), "{bad:?}");
        }
        assert!(
            check_name("name", &"é".repeat(50)).is_ok(),
            "characters, not bytes"
        );
        assert!(check_name_part("first_name", "").is_ok());
        assert!(check_description("line one\nline two").is_ok());
        assert!(check_description("tab\there").is_err());
        for (email, ok) in [
            ("a@b", true),
            ("", false),
            ("@b", false),
            ("a@", false),
            ("a@b@c", false),
            ("a b@c", false),
            ("a\u{a0}b@c", false),
        ] {
            assert_eq!(check_email("email", email, true).is_ok(), ok, "{email:?}");
        }
        assert!(check_email("email", "", false).is_ok());
        // Every space of `is_space` is in the pattern's class and back.
        for c in [
            '\u{0}', ' ', '\u{85}', '\u{a0}', '\u{2007}', '\u{2028}', '\u{3000}', '\u{feff}',
        ] {
            assert!(is_space(c), "{c:?}");
        }
        for c in ['a', '\u{a1}', '\u{200b}', '\u{2030}'] {
            assert!(!is_space(c), "{c:?}");
        }
        assert!(name_pattern().contains("\\ufeff"));
    }
}
