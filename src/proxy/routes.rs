//! Route rules of the authorizing proxy (CONTRACT section 5, last part):
//! method(s) and a path pattern map a request to an entity and the rights it
//! needs, or mark it public. Rules are checked when they are loaded, and a
//! request that no rule matches is refused (404), never passed.
//!
//! Patterns are `/`-separated segments: a literal, a named parameter
//! `{name}` (one segment), or a final `**` (zero or more segments). When
//! several rules match, the most specific wins, compared segment by segment
//! from the left: a literal beats a parameter, which beats `**`, and a
//! pattern that ends beats one that continues with `**`. Two rules whose
//! patterns have the same shape and share a method can never be ordered, so
//! such a configuration is refused at load.
//!
//! Rules read the canonical path ([`super::path`]), case-sensitively. A
//! request that reaches a broad rule only because it spells a more specific
//! rule's literal differently — another case (`DEVICES`) or an extension
//! (`devices.json`), which frameworks commonly route to the same handler —
//! is refused (400 `path_ambiguous`) rather than passed under the broad
//! rule's weaker rights.

use serde::Deserialize;

use super::path::{CanonicalPath, PathError};
use crate::admin::entities::EntityKind;
use crate::core::ids::validate_id;
use crate::core::rights::RightSet;

/// One segment of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Rest,
}

impl Segment {
    /// Precedence: lower wins.
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 0,
            Segment::Param(_) => 1,
            Segment::Rest => 2,
        }
    }
}

/// What a rule protects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Anyone may pass.
    Public,
    /// An entity, with the rights a caller needs on it.
    Entity {
        /// Its kind.
        kind: EntityKind,
        /// Its ID: a literal, or a `{param}` of the pattern.
        id: IdSource,
        /// Rights required (all of them).
        rights: RightSet,
    },
}

/// Where a rule takes the entity ID from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdSource {
    /// A fixed ID.
    Fixed(String),
    /// A parameter of the path pattern.
    Param(String),
}

/// One checked rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    methods: Vec<String>,
    pattern: Vec<Segment>,
    /// What the rule protects.
    pub target: Target,
    /// Whose tokens count here: a fixed tenant, a `{param}` of the path, or
    /// (`None`) the configuration's default tenant.
    pub tenant: Option<IdSource>,
    /// The pattern as written, for messages and metrics.
    pub path: String,
    /// Whether requests may carry `;` path parameters here.
    pub path_parameters: bool,
}

/// A rule as written in the configuration document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    methods: Vec<String>,
    path: String,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    entity: Option<EntityDoc>,
    #[serde(default)]
    rights: Vec<String>,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    path_parameters: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntityDoc {
    kind: EntityKind,
    id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableDoc {
    routes: Vec<RuleDoc>,
}

/// Why a configuration is refused: which rule, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteError(pub String);

impl core::fmt::Display for RouteError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "route rules: {}", self.0)
    }
}

impl std::error::Error for RouteError {}

const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

fn parse_pattern(path: &str) -> Result<Vec<Segment>, String> {
    let rest = path.strip_prefix('/').ok_or("a path starts with /")?;
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<&str> = rest.split('/').collect();
    let mut out = Vec::with_capacity(parts.len());
    let mut names: Vec<&str> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let seg = if *part == "**" {
            if i + 1 != parts.len() {
                return Err("** may only end a pattern".into());
            }
            Segment::Rest
        } else if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(format!(
                    "parameter {part:?} is not {{name}} with letters, digits and _"
                ));
            }
            if names.contains(&name) {
                return Err(format!("parameter {{{name}}} appears twice"));
            }
            names.push(name);
            Segment::Param(name.to_owned())
        } else if part.is_empty() {
            return Err("empty segment (//) or trailing /".into());
        } else if part.contains(['{', '}', '*']) {
            return Err(format!("segment {part:?} mixes a literal with {{}} or *"));
        } else if !is_canonical_literal(part) {
            return Err(format!(
                "segment {part:?} is not a canonical path segment (no . or .., ;, \\, %2F or encoded unreserved characters; other escapes in upper case)"
            ));
        } else {
            Segment::Literal((*part).to_owned())
        };
        out.push(seg);
    }
    Ok(out)
}

/// Whether a literal reads the same after canonicalization, so that a
/// request can match it exactly.
fn is_canonical_literal(part: &str) -> bool {
    let policy = super::path::PathPolicy::default();
    matches!(
        super::path::canonicalize(&format!("/{part}"), &policy),
        Ok(c) if c.path.strip_prefix('/') == Some(part) && !c.has_parameters()
    )
}

/// A fixed ID or a `{param}` the pattern has.
fn id_source(text: &str, pattern: &[Segment]) -> Result<IdSource, String> {
    match text.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        Some(name)
            if pattern
                .iter()
                .any(|s| *s == Segment::Param(name.to_owned())) =>
        {
            Ok(IdSource::Param(name.to_owned()))
        }
        Some(name) => Err(format!("names {{{name}}}, which the path does not have")),
        None => {
            validate_id(text).map_err(|err| format!("{text:?}: {err}"))?;
            Ok(IdSource::Fixed(text.to_owned()))
        }
    }
}

fn shape(pattern: &[Segment]) -> Vec<(u8, &str)> {
    pattern
        .iter()
        .map(|s| match s {
            Segment::Literal(l) => (0, l.as_str()),
            Segment::Param(_) => (1, ""),
            Segment::Rest => (2, ""),
        })
        .collect()
}

/// The checked rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteTable {
    rules: Vec<Rule>,
}

/// A request matched to a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch<'t> {
    /// The rule.
    pub rule: &'t Rule,
    /// For entity rules: the entity ID from the request.
    pub entity_id: Option<String>,
    /// The tenant named by the rule or the path; `None`: the default.
    pub tenant: Option<String>,
}

impl RouteTable {
    /// Parses and checks a configuration document:
    /// `{"routes": [{"methods": ["GET"], "path": "/apps/{app}/**",
    /// "entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_…"]}, …]}`
    /// or `{"methods": […], "path": …, "public": true}`.
    pub fn from_json(json: &str) -> Result<RouteTable, RouteError> {
        let doc: TableDoc = serde_json::from_slice(json.as_bytes())
            .map_err(|e| RouteError(format!("not a route document: {e}")))?;
        RouteTable::from_rules(doc.routes)
    }

    /// Checks rules already parsed as part of a larger document.
    pub fn from_rules(docs: Vec<RuleDoc>) -> Result<RouteTable, RouteError> {
        let mut rules: Vec<Rule> = Vec::with_capacity(docs.len());
        for (i, r) in docs.into_iter().enumerate() {
            let written = r.path.clone();
            let at = |why: String| RouteError(format!("rule {} ({written}): {why}", i + 1));
            let pattern = parse_pattern(&r.path).map_err(at)?;
            if r.methods.is_empty() {
                return Err(at("no methods".into()));
            }
            let mut methods = Vec::new();
            for m in &r.methods {
                let m = m.to_ascii_uppercase();
                if !METHODS.contains(&m.as_str()) {
                    return Err(at(format!("unknown method {m:?}")));
                }
                if methods.contains(&m) {
                    return Err(at(format!("method {m} listed twice")));
                }
                methods.push(m);
            }
            let target = match (r.public, r.entity) {
                (true, None) if r.rights.is_empty() => Target::Public,
                (true, _) => return Err(at("a public rule names no entity and no rights".into())),
                (false, None) => return Err(at("a rule is public or names an entity".into())),
                (false, Some(e)) => {
                    let rights = RightSet::from_names(r.rights.iter().map(String::as_str))
                        .map_err(|e| at(e.to_string()))?;
                    if rights.is_empty() {
                        return Err(at(
                            "an entity rule needs at least one right (mark public routes public)"
                                .into(),
                        ));
                    }
                    let id =
                        id_source(&e.id, &pattern).map_err(|why| at(format!("entity id {why}")))?;
                    Target::Entity {
                        kind: e.kind,
                        id,
                        rights,
                    }
                }
            };
            let tenant = match r.tenant.as_deref() {
                None => None,
                Some(t) => Some(id_source(t, &pattern).map_err(|why| at(format!("tenant {why}")))?),
            };
            let rule = Rule {
                methods,
                pattern,
                target,
                tenant,
                path: r.path,
                path_parameters: r.path_parameters,
            };
            if let Some(other) = rules.iter().find(|o| {
                shape(&o.pattern) == shape(&rule.pattern)
                    && o.methods.iter().any(|m| rule.methods.contains(m))
            }) {
                return Err(at(format!(
                    "same shape and method as {}: no request could tell them apart",
                    other.path
                )));
            }
            rules.push(rule);
        }
        Ok(RouteTable { rules })
    }

    /// The rules.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The most specific rule for a request on its canonical path; `None`
    /// means 404. Refused: `;` parameters where the rule does not take them,
    /// and a look-alike of a more specific rule's literal.
    pub fn find(
        &self,
        method: &str,
        path: &CanonicalPath,
    ) -> Result<Option<RouteMatch<'_>>, PathError> {
        let segments = path.segments();
        // An empty segment (a `;x` alone) matches nothing.
        if segments.iter().any(|s| s.is_empty()) {
            return Ok(None);
        }
        let method = method.to_ascii_uppercase();
        let best = |eq: fn(&str, &str) -> bool| {
            self.rules
                .iter()
                .filter(|r| r.methods.contains(&method))
                .filter_map(|r| bind(&r.pattern, &segments, eq).map(|params| (r, params)))
                .min_by(|(a, _), (b, _)| precedence(&a.pattern).cmp(&precedence(&b.pattern)))
        };
        let Some((rule, params)) = best(|literal, segment| literal == segment) else {
            return Ok(None);
        };
        if let Some((alike, _)) = best(looks_alike) {
            if precedence(&alike.pattern) < precedence(&rule.pattern) {
                return Err(PathError::Ambiguous);
            }
        }
        if path.has_parameters() && !rule.path_parameters {
            return Err(PathError::Parameters);
        }
        let resolve = |source: &IdSource| match source {
            IdSource::Fixed(id) => Some(id.clone()),
            IdSource::Param(name) => params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| (*v).to_owned()),
        };
        Ok(Some(RouteMatch {
            entity_id: match &rule.target {
                Target::Entity { id, .. } => resolve(id),
                Target::Public => None,
            },
            tenant: rule.tenant.as_ref().and_then(resolve),
            rule,
        }))
    }
}

/// Whether a request segment could be read as a literal by a framework
/// that ignores case or an extension: equal after lower-casing and cutting
/// at the first `.` that does not start the segment.
fn looks_alike(literal: &str, segment: &str) -> bool {
    fn stem(s: &str) -> &str {
        match s.get(1..).and_then(|rest| rest.find('.')) {
            Some(i) => s.get(..=i).unwrap_or(s),
            None => s,
        }
    }
    stem(literal).eq_ignore_ascii_case(stem(segment))
}

/// Compared from the left: the pattern's end (0) before a literal (1), a
/// parameter (2) and `**` (3); lower wins.
fn precedence(pattern: &[Segment]) -> Vec<u8> {
    pattern
        .iter()
        .map(|s| s.rank() + 1)
        .chain(core::iter::once(0))
        .collect()
}

/// Matches `segments` against `pattern`, literals compared with `eq`; the
/// parameters on success.
fn bind<'p, 's>(
    pattern: &'p [Segment],
    segments: &[&'s str],
    eq: fn(&str, &str) -> bool,
) -> Option<Vec<(&'p str, &'s str)>> {
    let mut params = Vec::new();
    for (i, seg) in pattern.iter().enumerate() {
        match seg {
            Segment::Rest => return Some(params),
            Segment::Literal(l) => {
                if !segments.get(i).is_some_and(|s| eq(l, s)) {
                    return None;
                }
            }
            Segment::Param(name) => params.push((name.as_str(), *segments.get(i)?)),
        }
    }
    (segments.len() == pattern.len()).then_some(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rights::Right;
    use crate::proxy::path::{canonicalize, PathPolicy};

    const RULES: &str = r#"{"routes": [
        {"methods": ["GET"], "path": "/apps/{app}/**", "entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_APPLICATION_INFO"]},
        {"methods": ["GET"], "path": "/apps/{app}/devices", "entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_APPLICATION_DEVICES_READ"]},
        {"methods": ["POST", "put"], "path": "/apps/{app}/devices/{dev}", "entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_APPLICATION_DEVICES_WRITE"]},
        {"methods": ["GET"], "path": "/apps/status", "public": true},
        {"methods": ["GET"], "path": "/", "public": true},
        {"methods": ["GET", "POST"], "path": "/gateways/{gw}/traffic", "entity": {"kind": "gateways", "id": "{gw}"}, "rights": ["RIGHT_GATEWAY_TRAFFIC_READ"]},
        {"methods": ["DELETE"], "path": "/admin/**", "entity": {"kind": "clients", "id": "console"}, "rights": ["RIGHT_CLIENT_ALL"]}
    ]}"#;

    fn table() -> RouteTable {
        RouteTable::from_json(RULES).unwrap()
    }

    fn found(method: &str, path: &str) -> Option<(String, Option<String>)> {
        let t = table();
        let path = canonicalize(path, &PathPolicy::default()).ok()?;
        t.find(method, &path)
            .unwrap()
            .map(|m| (m.rule.path.clone(), m.entity_id))
    }

    fn refused(method: &str, path: &str) -> &'static str {
        let t = RouteTable::from_json(RULES_WITH_PARAMS).unwrap();
        let path = canonicalize(path, &PathPolicy::default()).unwrap();
        t.find(method, &path).unwrap_err().code()
    }

    #[test]
    fn the_most_specific_rule_wins() {
        assert_eq!(
            found("GET", "/apps/billing/devices"),
            Some(("/apps/{app}/devices".into(), Some("billing".into())))
        );
        assert_eq!(
            found("GET", "/apps/billing/devices/d1"),
            Some(("/apps/{app}/**".into(), Some("billing".into())))
        );
        assert_eq!(
            found("GET", "/apps/billing"),
            Some(("/apps/{app}/**".into(), Some("billing".into()))),
            "** matches nothing too"
        );
        assert_eq!(
            found("GET", "/apps/status"),
            Some(("/apps/status".into(), None)),
            "a literal beats a parameter"
        );
        assert_eq!(
            found("PUT", "/apps/billing/devices/d1"),
            Some(("/apps/{app}/devices/{dev}".into(), Some("billing".into())))
        );
        assert_eq!(found("get", "/"), Some(("/".into(), None)));
        assert_eq!(
            found("DELETE", "/admin/users/1"),
            Some(("/admin/**".into(), Some("console".into())))
        );
    }

    #[test]
    fn no_rule_means_no_match() {
        assert_eq!(
            found("DELETE", "/apps/billing/devices"),
            None,
            "method not covered"
        );
        assert_eq!(found("GET", "/unknown"), None);
        assert_eq!(found("GET", "/gateways/gw1/traffic/extra"), None);
        assert_eq!(found("GET", "no-slash"), None);
        assert_eq!(
            found("GET", "/apps//billing/devices"),
            Some(("/apps/{app}/devices".into(), Some("billing".into()))),
            "empty segments are merged"
        );
        assert_eq!(
            found("GET", "/apps/billing/devices/"),
            Some(("/apps/{app}/devices".into(), Some("billing".into()))),
            "one trailing slash is the same path"
        );
    }

    const RULES_WITH_PARAMS: &str = r#"{"routes": [
        {"methods": ["GET"], "path": "/apps/{app}/**", "entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_APPLICATION_INFO"]},
        {"methods": ["GET"], "path": "/apps/{app}/devices", "entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_APPLICATION_DEVICES_READ"]},
        {"methods": ["GET"], "path": "/legacy/**", "public": true, "path_parameters": true},
        {"methods": ["GET"], "path": "/static/**", "public": true}
    ]}"#;

    #[test]
    fn look_alikes_of_a_more_specific_literal_are_refused() {
        for path in [
            "/apps/billing/DEVICES",
            "/apps/billing/Devices",
            "/apps/billing/devices.json",
            "/apps/billing/DEVICES.xml",
        ] {
            assert_eq!(refused("GET", path), "path_ambiguous", "{path}");
        }
        assert_eq!(
            refused("GET", "/apps/billing/devices;x=1"),
            "path_parameters"
        );
        assert_eq!(
            refused("GET", "/static/app.js;jsessionid=1"),
            "path_parameters"
        );
        let t = RouteTable::from_json(RULES_WITH_PARAMS).unwrap();
        let ok = |p: &str| {
            let c = canonicalize(p, &PathPolicy::default()).unwrap();
            t.find("GET", &c).unwrap().map(|m| m.rule.path.clone())
        };
        assert_eq!(
            ok("/legacy/page;jsessionid=1"),
            Some("/legacy/**".into()),
            "a rule may take parameters"
        );
        assert_eq!(ok("/apps/billing/settings"), Some("/apps/{app}/**".into()));
        assert_eq!(
            ok("/apps/billing/devices"),
            Some("/apps/{app}/devices".into())
        );
        assert_eq!(
            ok("/apps/billing/.devices"),
            Some("/apps/{app}/**".into()),
            "a leading dot is no extension"
        );
        assert_eq!(
            ok("/apps/billing/devices-old"),
            Some("/apps/{app}/**".into())
        );
    }

    #[test]
    fn literals_must_be_canonical() {
        for bad in ["/a/%61", "/a/b;c", "/a/..", "/a/%2f", "/a/%e2%82%ac"] {
            let rules = format!(
                r#"{{"routes": [{{"methods": ["GET"], "path": "{bad}", "public": true}}]}}"#
            );
            let err = RouteTable::from_json(&rules).unwrap_err().0;
            assert!(err.contains("canonical"), "{bad}: {err}");
        }
        assert!(RouteTable::from_json(
            r#"{"routes": [{"methods": ["GET"], "path": "/a/%E2%82%AC/v1.0", "public": true}]}"#
        )
        .is_ok());
    }

    #[test]
    fn rules_carry_their_rights() {
        let t = table();
        let path = canonicalize("/gateways/gw1/traffic", &PathPolicy::default()).unwrap();
        let m = t.find("POST", &path).unwrap().unwrap();
        assert_eq!(
            m.rule.target,
            Target::Entity {
                kind: EntityKind::Gateways,
                id: IdSource::Param("gw".into()),
                rights: RightSet::of(&[Right::GatewayTrafficRead])
            }
        );
    }

    #[test]
    fn bad_configurations_are_refused_with_the_rule_named() {
        let bad = |rules: &str| {
            RouteTable::from_json(&format!(r#"{{"routes": [{rules}]}}"#))
                .unwrap_err()
                .0
        };
        let entity = r#""entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_APPLICATION_INFO"]"#;
        for (rules, why) in [
            (format!(r#"{{"methods": ["GET"], "path": "/a/{{app}}", {entity}}}, {{"methods": ["GET", "POST"], "path": "/a/{{x}}", "public": true}}"#), "same shape"),
            (format!(r#"{{"methods": ["GET"], "path": "/a/**/b", {entity}}}"#), "** may only end"),
            (format!(r#"{{"methods": ["GET"], "path": "a/{{app}}", {entity}}}"#), "starts with /"),
            (format!(r#"{{"methods": ["GET"], "path": "/a//{{app}}", {entity}}}"#), "empty segment"),
            (format!(r#"{{"methods": ["FETCH"], "path": "/a/{{app}}", {entity}}}"#), "unknown method"),
            (format!(r#"{{"methods": [], "path": "/a/{{app}}", {entity}}}"#), "no methods"),
            (r#"{"methods": ["GET"], "path": "/a/{x}", "entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_APPLICATION_INFO"]}"#.to_owned(), "does not have"),
            (r#"{"methods": ["GET"], "path": "/a/{x}", "tenant": "{t}", "public": true}"#.to_owned(), "tenant names {t}"),
            (r#"{"methods": ["GET"], "path": "/a", "entity": {"kind": "applications", "id": "Bad_Id"}, "rights": ["RIGHT_APPLICATION_INFO"]}"#.to_owned(), "entity id"),
            (r#"{"methods": ["GET"], "path": "/a/{app}", "entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_NOPE"]}"#.to_owned(), "unknown right"),
            (r#"{"methods": ["GET"], "path": "/a/{app}", "entity": {"kind": "applications", "id": "{app}"}, "rights": []}"#.to_owned(), "at least one right"),
            (r#"{"methods": ["GET"], "path": "/a"}"#.to_owned(), "public or names an entity"),
            (r#"{"methods": ["GET"], "path": "/a", "public": true, "rights": ["RIGHT_APPLICATION_INFO"]}"#.to_owned(), "names no entity"),
            (r#"{"methods": ["GET"], "path": "/a/{x}/{x}", "public": true}"#.to_owned(), "appears twice"),
            (r#"{"methods": ["GET"], "path": "/a/x{y}", "public": true}"#.to_owned(), "mixes"),
            (r#"{"methods": ["GET"], "path": "/a", "public": true, "extra": 1}"#.to_owned(), "not a route document"),
        ] {
            let msg = bad(&rules);
            assert!(msg.contains(why), "{why}: {msg}");
        }
        // Different methods on one shape are fine.
        assert!(RouteTable::from_json(r#"{"routes": [{"methods": ["GET"], "path": "/a/{x}", "public": true}, {"methods": ["POST"], "path": "/a/{y}", "public": true}]}"#).is_ok());
    }
}
