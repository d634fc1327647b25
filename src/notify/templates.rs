//! The notification emails: a subject, a plain-text body and an HTML body per
//! kind, in the `upon` template syntax (`{{ name }}`, `{% if name %}…{% endif %}`:
//! Jinja's, without expressions). Every value in the HTML body is escaped,
//! so a name cannot inject markup. A deployment overrides any of them with
//! `NOTIFY_TEMPLATES`: `{"<kind>": {"subject": "…", "text": "…", "html": "…"}}`
//! (any subset), checked when the worker starts.
//!
//! Every template sees the notification's data by name — [`VARIABLES`], an
//! empty string for those a kind does not have.

use std::collections::BTreeMap;

use core::fmt;
use serde::Deserialize;
use upon::{Engine, Value};

use super::record::Kind;

/// One kind's three templates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parts {
    /// The subject line (rendered to one line).
    #[serde(default)]
    pub subject: Option<String>,
    /// The plain-text body.
    #[serde(default)]
    pub text: Option<String>,
    /// The HTML body.
    #[serde(default)]
    pub html: Option<String>,
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject, one line.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// HTML.
    pub html: String,
}

/// A template that does not parse or render; names the kind and the part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The deployment's templates: the defaults with its overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Templates {
    overrides: BTreeMap<Kind, Parts>,
}

/// The names every template can use.
pub const VARIABLES: &[&str] = &[
    "tenant",
    "kind",
    "notification_id",
    "link",
    "invitation_id",
    "organization_id",
    "organization_name",
    "role",
    "invited_by",
    "expires_at",
    "first_name",
    "last_name",
    "requested_by",
    "decided_by",
    "reason",
    "user_id",
    "removed_by",
];

const HEAD: &str =
    "<!doctype html><html><body style=\"font-family: sans-serif; line-height: 1.5\">";
const FOOT: &str = "</body></html>";

fn defaults(kind: Kind) -> (&'static str, &'static str, &'static str) {
    match kind {
        Kind::Invitation => (
            "You are invited to join {{ organization_name }}",
            "Hello{% if first_name %} {{ first_name }}{% endif %},\n\n{{ invited_by }} invites you to join the organization {{ organization_name }} ({{ organization_id }}) as {{ role }}.\n\nAccept the invitation:\n{{ link }}\n\nThe link works once and expires at {{ expires_at }}.\n",
            "<p>Hello{% if first_name %} {{ first_name }}{% endif %},</p><p>{{ invited_by }} invites you to join the organization <strong>{{ organization_name }}</strong> ({{ organization_id }}) as <strong>{{ role }}</strong>.</p><p><a href=\"{{ link }}\">Accept the invitation</a></p><p>The link works once and expires at {{ expires_at }}.</p>",
        ),
        Kind::InvitationResent => (
            "Your invitation to {{ organization_name }}, sent again",
            "Hello{% if first_name %} {{ first_name }}{% endif %},\n\n{{ invited_by }} invites you to join the organization {{ organization_name }} ({{ organization_id }}) as {{ role }}.\n\nAccept the invitation:\n{{ link }}\n\nThe link works once and expires at {{ expires_at }}. It replaces the link sent before, which no longer works.\n",
            "<p>Hello{% if first_name %} {{ first_name }}{% endif %},</p><p>{{ invited_by }} invites you to join the organization <strong>{{ organization_name }}</strong> ({{ organization_id }}) as <strong>{{ role }}</strong>.</p><p><a href=\"{{ link }}\">Accept the invitation</a></p><p>The link works once and expires at {{ expires_at }}. It replaces the link sent before, which no longer works.</p>",
        ),
        Kind::TenantInvitation => (
            "You are invited to {{ tenant }}",
            "Hello{% if first_name %} {{ first_name }}{% endif %},\n\n{{ invited_by }} invites you to create an account in {{ tenant }}.\n\nRegister:\n{{ link }}\n\nThe link works once and expires at {{ expires_at }}.\n",
            "<p>Hello{% if first_name %} {{ first_name }}{% endif %},</p><p>{{ invited_by }} invites you to create an account in <strong>{{ tenant }}</strong>.</p><p><a href=\"{{ link }}\">Register</a></p><p>The link works once and expires at {{ expires_at }}.</p>",
        ),
        Kind::RegistrationRequested => (
            "{{ requested_by }} asks to register {{ organization_name }}",
            "{{ requested_by }} registered the organization {{ organization_name }} ({{ organization_id }}) in {{ tenant }}. It waits for a tenant admin to approve or reject it.\n",
            "<p>{{ requested_by }} registered the organization <strong>{{ organization_name }}</strong> ({{ organization_id }}) in {{ tenant }}.</p><p>It waits for a tenant admin to approve or reject it.</p>",
        ),
        Kind::OrganizationApproved => (
            "{{ organization_name }} is approved",
            "Your organization {{ organization_name }} ({{ organization_id }}) in {{ tenant }} is approved and ready to use.\n",
            "<p>Your organization <strong>{{ organization_name }}</strong> ({{ organization_id }}) in {{ tenant }} is approved and ready to use.</p>",
        ),
        Kind::OrganizationRejected => (
            "{{ organization_name }} was not approved",
            "Your organization {{ organization_name }} ({{ organization_id }}) in {{ tenant }} was not approved.{% if reason %}\n\nReason: {{ reason }}{% endif %}\n",
            "<p>Your organization <strong>{{ organization_name }}</strong> ({{ organization_id }}) in {{ tenant }} was not approved.</p>{% if reason %}<p>Reason: {{ reason }}</p>{% endif %}",
        ),
        Kind::MemberRemoved => (
            "You were removed from {{ organization_name }}",
            "{{ removed_by }} removed you from the organization {{ organization_name }} ({{ organization_id }}) in {{ tenant }}.\n",
            "<p>{{ removed_by }} removed you from the organization <strong>{{ organization_name }}</strong> ({{ organization_id }}) in {{ tenant }}.</p>",
        ),
    }
}

/// HTML-escapes every string (the HTML body's formatter); other values
/// print as they do anywhere.
fn escape_html(f: &mut upon::fmt::Formatter<'_>, value: &Value) -> upon::fmt::Result {
    use core::fmt::Write;
    let Value::String(text) = value else {
        return upon::fmt::default(f, value);
    };
    for c in text.chars() {
        match c {
            '<' => f.write_str("&lt;")?,
            '>' => f.write_str("&gt;")?,
            '&' => f.write_str("&amp;")?,
            '"' => f.write_str("&quot;")?,
            '\'' => f.write_str("&#39;")?,
            c => f.write_char(c)?,
        }
    }
    Ok(())
}

fn engine(html: bool) -> Engine<'static> {
    let mut e = Engine::new();
    if html {
        e.set_default_formatter(&escape_html);
    }
    e
}

impl Templates {
    /// The defaults and `json`'s overrides, every template checked to parse.
    pub fn from_json(json: &str) -> Result<Templates, TemplateError> {
        let raw: BTreeMap<String, Parts> =
            serde_json::from_slice(json.as_bytes()).map_err(|e| {
                TemplateError(format!(
                    "NOTIFY_TEMPLATES is not a JSON object of kinds: {e}"
                ))
            })?;
        let mut overrides = BTreeMap::new();
        for (name, parts) in raw {
            let kind = Kind::ALL
                .into_iter()
                .find(|k| k.name() == name)
                .ok_or_else(|| TemplateError(format!("NOTIFY_TEMPLATES: no kind `{name}`")))?;
            overrides.insert(kind, parts);
        }
        let t = Templates { overrides };
        let e = engine(false);
        for kind in Kind::ALL {
            for (part, source) in t.sources(kind) {
                e.compile(source.as_str())
                    .map_err(|e| TemplateError(format!("template {}.{part}: {e}", kind.name())))?;
            }
        }
        Ok(t)
    }

    fn sources(&self, kind: Kind) -> [(&'static str, String); 3] {
        let (s, t, h) = defaults(kind);
        let o = self.overrides.get(&kind);
        let pick = |given: Option<&Option<String>>, default: &str| {
            given
                .and_then(Option::as_ref)
                .cloned()
                .unwrap_or_else(|| default.to_owned())
        };
        [
            ("subject", pick(o.map(|p| &p.subject), s)),
            ("text", pick(o.map(|p| &p.text), t)),
            (
                "html",
                match o.and_then(|p| p.html.clone()) {
                    Some(html) => html,
                    None => format!("{HEAD}{h}{FOOT}"),
                },
            ),
        ]
    }

    /// Renders `kind`'s email with `vars` (names it lacks of [`VARIABLES`]
    /// are empty).
    pub fn render(
        &self,
        kind: Kind,
        vars: &BTreeMap<String, String>,
    ) -> Result<Rendered, TemplateError> {
        // `extend`, not `collect`: no sort compiled for these pairs (crate::core::order).
        let mut map = BTreeMap::new();
        map.extend(
            VARIABLES
                .iter()
                .map(|n| ((*n).to_owned(), Value::String(String::new()))),
        );
        for (k, v) in vars {
            map.insert(k.clone(), Value::String(v.clone()));
        }
        let ctx = Value::Map(map);
        let (text_engine, html_engine) = (engine(false), engine(true));
        let [subject, text, html] = self.sources(kind).map(|(part, source)| {
            let e = if part == "html" {
                &html_engine
            } else {
                &text_engine
            };
            e.compile(source.as_str())
                .and_then(|t| t.render_from(e, &ctx).to_string())
                .map_err(|e| TemplateError(format!("template {}.{part}: {e}", kind.name())))
        });
        Ok(Rendered {
            subject: subject?.replace(['\r', '\n'], " ").trim().to_owned(),
            text: text?,
            html: html?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn every_default_renders_and_html_is_escaped() {
        let t = Templates::default();
        let v = vars(&[
            ("kind", "invitation"),
            ("tenant", "acme"),
            ("organization_name", "<script>x</script>"),
            ("organization_id", "team"),
            ("link", "https://x.example/#/invitations/OWI.A.B"),
            ("invited_by", "alice"),
            ("role", "member"),
            ("expires_at", "2026-12-08T00:00:00.000Z"),
        ]);
        for kind in Kind::ALL {
            let r = t.render(kind, &v).unwrap();
            assert!(
                !r.subject.is_empty() && !r.subject.contains('\n'),
                "{kind:?}"
            );
            assert!(!r.html.contains("<script>"), "{kind:?}: {}", r.html);
        }
        let inv = t.render(Kind::Invitation, &v).unwrap();
        assert!(inv.text.contains("https://x.example/#/invitations/OWI.A.B"));
        assert!(inv.html.contains("&lt;script&gt;"));
        assert!(inv.text.contains("<script>"), "plain text is not HTML");
    }

    #[test]
    fn overrides_replace_parts_and_bad_ones_are_refused_by_name() {
        let t =
            Templates::from_json(r#"{"member_removed": {"subject": "Bye {{ organization_id }}"}}"#)
                .unwrap();
        let r = t
            .render(Kind::MemberRemoved, &vars(&[("organization_id", "team")]))
            .unwrap();
        assert_eq!(r.subject, "Bye team");
        assert!(r.text.contains("removed you"));
        for (bad, says) in [
            (r#"{"nope": {}}"#, "no kind `nope`"),
            (r#"{"invitation": {"text": "{% if %}"}}"#, "invitation.text"),
            (r#"{"invitation": {"html": "{{ x"}}"#, "invitation.html"),
            (r#"{"invitation": {"body": "x"}}"#, "NOTIFY_TEMPLATES"),
            ("[]", "NOTIFY_TEMPLATES"),
        ] {
            let e = Templates::from_json(bad).unwrap_err();
            assert!(e.0.contains(says), "{bad}: {e}");
        }
    }
}
