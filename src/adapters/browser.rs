//! The browser module (feature `browser`): the decision surface exported to
//! JavaScript with `wasm-bindgen`. Values cross as JSON (the module uses the
//! page's `JSON`), errors are thrown as `Error` objects with a stable `code`,
//! and the clock is the page's (`Date.now()`), overridable per call.
//!
//! Nothing here decides on its own: every function is a translation of one in
//! [`crate::core::surface`].

use js_sys::{Error, Function, Promise, Reflect, JSON};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::CryptoKey;

use crate::adapters::webcrypto::{self, Thenable};
use crate::core::surface::{self, Grants, SurfaceError, VerifyRequest, VerifyStep};
use crate::core::token::{SignatureCheck, Verdict};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Thrown by every function: `code` is stable (`token_expired`, `unknown_right`, …). */
export interface OrgwardenError extends Error { code: string }

export type RightName = string;

export interface VerifyOptions {
  issuer: string;
  audience: string;
  /** Clock leeway in seconds; 60 when absent. */
  leeway?: number;
  /** Verify at this Unix time (seconds) instead of Date.now(). */
  now?: number;
}

/** Collaborators of an application, gateway or client. */
export interface Grants {
  users?: Record<string, RightName[]>;
  organizations?: Record<string, RightName[]>;
}

export interface OrganizationView {
  id: string;
  /** Absent (null) for a membership granted as explicit rights. */
  role: string | null;
  /** As issued (short form). */
  rights: RightName[];
  /** With everything they imply. */
  expanded: RightName[];
}

export interface Inspection {
  /** Always false: inspect() checks nothing. */
  verified: false;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  expires_at: string | null;
  issued_at: string | null;
  expired: boolean | null;
  expires_in: number | null;
  organizations: OrganizationView[];
  admin: boolean;
  ceiling: RightName[] | null;
  shape_error: string | null;
}

export interface AccessClaims {
  iss: string; sub: string; aud: string | string[]; exp: number; iat: number; nbf?: number;
  jti: string; tid: string; client_id?: string;
  orgs?: Record<string, { role?: string; rights: RightName[] }>;
  adm?: boolean; rights?: RightName[];
  [other: string]: unknown;
}

export interface Verification { valid: true; kid: string; claims: AccessClaims; expires_at: string | null }

export interface CatalogEntry {
  name: RightName;
  number: number;
  kind: "user" | "application" | "client" | "gateway" | "organization" | null;
  pseudo: boolean;
  implies: RightName[];
}
"#;

/// The page's clock, Unix seconds.
fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

fn throw(e: SurfaceError) -> JsValue {
    let err = Error::new(&e.message);
    err.set_name("OrgwardenError");
    // Setting a property on a fresh Error cannot fail.
    let _ = Reflect::set(
        &err,
        &JsValue::from_str("code"),
        &JsValue::from_str(&e.code),
    );
    err.into()
}

fn invalid(what: &str, why: impl core::fmt::Display) -> JsValue {
    throw(SurfaceError {
        code: "invalid_argument".into(),
        message: format!("{what}: {why}"),
    })
}

/// A JavaScript value as JSON text: a string as it is, anything else
/// through the page's `JSON.stringify`.
fn json_text(value: &JsValue, what: &str) -> Result<String, JsValue> {
    if let Some(s) = value.as_string() {
        return Ok(s);
    }
    Ok(JSON::stringify(value)
        .map_err(|_| invalid(what, "cannot be written as JSON"))?
        .as_string()
        .unwrap_or_default())
}

/// A JavaScript value as a Rust type, through the page's JSON.
fn from_js<T: DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, JsValue> {
    // From bytes, as every other parse in the module: one copy of the parser.
    serde_json::from_slice(json_text(value, what)?.as_bytes()).map_err(|e| invalid(what, e))
}

/// A Rust value as a JavaScript value, through the page's JSON.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| invalid("result", e))?;
    JSON::parse(&text)
}

/// Header, claims, expiry and organizations of a token, **unverified**; no key needed.
#[wasm_bindgen(unchecked_return_type = "Inspection")]
pub fn inspect(token: &str) -> Result<JsValue, JsValue> {
    to_js(&surface::inspect(token, now()).map_err(throw)?)
}

/// Verifies a token against a JWKS (JSON text or object) with the edge's
/// rules: a promise of the verification, rejected with the edge's error
/// codes. Every strict check runs here; the Ed25519 equation runs in the
/// page's WebCrypto (`webcrypto_unavailable` where the engine has none).
#[wasm_bindgen(unchecked_return_type = "Promise<Verification>")]
pub fn verify(
    token: String,
    #[wasm_bindgen(unchecked_param_type = "string | { keys: object[] }")] jwks: JsValue,
    #[wasm_bindgen(unchecked_param_type = "VerifyOptions")] options: JsValue,
) -> Promise {
    start_verify(token, &jwks, &options).unwrap_or_else(|e| Promise::reject(&e))
}

/// One verification's inputs, read once.
struct Verifying {
    token: String,
    jwks: String,
    request: VerifyRequest,
    now: i64,
}

impl Verifying {
    fn step(&self, verdict: Option<&Verdict>) -> Result<VerifyStep, JsValue> {
        surface::verify_with_host(&self.token, &self.jwks, &self.request, self.now, verdict)
            .map_err(throw)
    }
}

fn start_verify(token: String, jwks: &JsValue, options: &JsValue) -> Result<Promise, JsValue> {
    let verifying = Verifying {
        token,
        jwks: json_text(jwks, "jwks")?,
        request: from_js(options, "options")?,
        now: now(),
    };
    let check = match verifying.step(None)? {
        VerifyStep::Verified(v) => return Ok(Promise::resolve(&to_js(&v)?)),
        VerifyStep::NeedsSignature(check) => check,
    };
    // Whatever WebCrypto throws at once is `webcrypto_unavailable` too.
    let equation = equation(&check).map_err(|e| unavailable(&e))?;
    // Called once, with WebCrypto's verdict or its refusal.
    let finish = Closure::once_into_js(move |valid: JsValue| -> Result<JsValue, JsValue> {
        let Some(valid) = valid.as_bool() else {
            return Err(unavailable(&valid));
        };
        match verifying.step(Some(&Verdict { check, valid }))? {
            VerifyStep::Verified(v) => to_js(&v),
            // The verdict answers this very check: never asked again.
            VerifyStep::NeedsSignature(_) => Err(invalid("verdict", "not for this token")),
        }
    });
    let finish: &Function = finish.unchecked_ref();
    Ok(equation
        .unchecked_ref::<Thenable>()
        .then_both(finish, finish))
}

/// The page's verdict on `check`: a promise of `true`/`false`, rejected
/// when WebCrypto cannot answer; an error (the engine's) when it cannot
/// start. The key is imported once per page.
fn equation(check: &SignatureCheck) -> Result<Promise, JsValue> {
    let subtle = webcrypto::subtle().ok_or_else(|| {
        JsValue::from_str("no crypto.subtle (pages served over plain HTTP have none)")
    })?;
    if let Some(key) = webcrypto::cached_key(&check.public_key) {
        return webcrypto::start(&subtle, &key, check);
    }
    let imported = webcrypto::import(&subtle, &check.public_key)?;
    let check = check.clone();
    // Called once, with the imported key or the import's refusal. Refused as
    // data (`DataError`: bytes the engine does not take for a point), the
    // key verifies nothing, as in the Rust path.
    let verify = Closure::once_into_js(move |key: JsValue| -> Result<Promise, JsValue> {
        let key: CryptoKey = match key.dyn_into() {
            Ok(key) => key,
            Err(e) if error_name(&e).as_deref() == Some("DataError") => {
                return Ok(Promise::resolve(&JsValue::FALSE))
            }
            Err(e) => return Err(e),
        };
        webcrypto::remember(&check.public_key, key.clone());
        webcrypto::start(&subtle, &key, &check)
    });
    let verify: &Function = verify.unchecked_ref();
    Ok(imported
        .unchecked_ref::<Thenable>()
        .then_both(verify, verify))
}

/// An exception's `name` (`DataError`, `NotSupportedError`, …).
fn error_name(e: &JsValue) -> Option<String> {
    Reflect::get(e, &JsValue::from_str("name"))
        .ok()?
        .as_string()
}

/// `webcrypto_unavailable`, with what the engine said.
fn unavailable(why: &JsValue) -> JsValue {
    let why = why
        .dyn_ref::<Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| why.as_string())
        .unwrap_or_default();
    throw(SurfaceError {
        code: "webcrypto_unavailable".into(),
        message: format!("this engine cannot verify Ed25519 signatures through WebCrypto: {why}"),
    })
}

/// The token subject's effective rights (expanded) on an entity with these
/// collaborators. Reads the token **without verifying it**: a UI hint; the
/// edge decides again on every request.
#[wasm_bindgen(js_name = rightsOn, unchecked_return_type = "RightName[]")]
pub fn rights_on(
    token: &str,
    #[wasm_bindgen(unchecked_param_type = "Grants")] grants: JsValue,
) -> Result<JsValue, JsValue> {
    let claims = surface::claims_unverified(token).map_err(throw)?;
    let grants: Grants = from_js(&grants, "grants")?;
    to_js(&surface::rights_on(&claims, &grants).map_err(throw)?.names())
}

/// Whether the token's subject holds `right` in organization `orgId`
/// (unverified, like [`rights_on`]).
#[wasm_bindgen]
pub fn can(
    token: &str,
    #[wasm_bindgen(js_name = orgId)] org_id: &str,
    right: &str,
) -> Result<bool, JsValue> {
    let claims = surface::claims_unverified(token).map_err(throw)?;
    surface::can(&claims, org_id, right).map_err(throw)
}

/// A list of rights with everything they imply; throws `unknown_right`.
#[wasm_bindgen(js_name = expandRights, unchecked_return_type = "RightName[]")]
pub fn expand_rights(
    #[wasm_bindgen(unchecked_param_type = "RightName[]")] rights: JsValue,
) -> Result<JsValue, JsValue> {
    let names: Vec<String> = from_js(&rights, "rights")?;
    to_js(&surface::expand(&names).map_err(throw)?)
}

/// Every right of the catalog, in wire-number order, for building UIs.
#[wasm_bindgen(unchecked_return_type = "CatalogEntry[]")]
pub fn catalog() -> Result<JsValue, JsValue> {
    to_js(&surface::catalog())
}
