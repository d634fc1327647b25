//! Keys: JWK and JWKS (RFC 7517, RFC 8037 `OKP`/`Ed25519`) in and out, the
//! RFC 7638 thumbprint as default `kid`, the trusted verification key set and
//! the private signing keys.
//!
//! Keys are checked once, when loaded: a non-canonical or small-order
//! ("weak") public key is refused, the point is decompressed (about 5 µs,
//! never per request; [`KeySet::from_jwks_encodings`] leaves that to a host's
//! equation), and a private key whose `x` is not its own public key is
//! refused.

use core::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use ed25519_dalek::{SigningKey, PUBLIC_KEY_LENGTH, SECRET_KEY_LENGTH};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::error::KeyError;
use super::header::json_reason;
use super::public_key::PublicKey;

/// A private JWK member (`d`): redacted in `Debug`, wiped on drop.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    pub(super) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// One JSON Web Key as it appears in a JWKS. Members orgwarden does not use
/// (RSA's `n` and `e`, `x5c`, …) are accepted and ignored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Jwk {
    /// Key type; `OKP` for Ed25519.
    pub kty: String,
    /// Curve; `Ed25519`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// Public key, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// Private key, base64url; only in private JWKs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<SecretString>,
    /// Key ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Intended algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Intended use.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

/// A JWK Set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// Parses a JWKS, or a single JWK as a set of one.
    pub fn parse(json: &str) -> Result<Jwks, KeyError> {
        // Which of the two it is, read first: the text is then read once
        // more straight into its type (no `Value` in between, whose
        // deserializer would be a second copy of `Jwk`'s in every module).
        /// Which members are there, whatever their values (`null` included).
        #[derive(Deserialize)]
        struct Shape {
            #[serde(default, deserialize_with = "present")]
            keys: bool,
            #[serde(default, deserialize_with = "present")]
            kty: bool,
        }
        fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
            serde::de::IgnoredAny::deserialize(d).map(|_| true)
        }
        let malformed = |e: serde_json::Error| KeyError::Malformed(json_reason(&e));
        let bytes = json.as_bytes();
        let shape: Shape = serde_json::from_slice(bytes).map_err(malformed)?;
        match shape {
            Shape { keys: true, .. } => serde_json::from_slice(bytes).map_err(malformed),
            Shape { kty: true, .. } => Ok(Jwks {
                keys: vec![serde_json::from_slice(bytes).map_err(malformed)?],
            }),
            _ => Err(KeyError::Malformed(
                "neither a JWK nor a JWKS (no `kty`, no `keys`)".into(),
            )),
        }
    }

    /// The JSON text.
    pub fn to_json(&self) -> String {
        // Serializing plain strings into JSON cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// RFC 7638 thumbprint of an Ed25519 public key, base64url: SHA-256 over
/// the required members in lexicographic order.
pub fn thumbprint(public: &[u8; PUBLIC_KEY_LENGTH]) -> String {
    let x = Base64UrlUnpadded::encode_string(public);
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    Base64UrlUnpadded::encode_string(&Sha256::digest(canonical.as_bytes()))
}

pub(super) fn decode_32(member: &str, value: &str) -> Result<[u8; 32], KeyError> {
    let mut out = [0u8; 32];
    let decoded = Base64UrlUnpadded::decode(value, &mut out)
        .map_err(|_| KeyError::Malformed(format!("`{member}` is not 32 bytes of base64url")))?;
    if decoded.len() != 32 {
        return Err(KeyError::Malformed(format!(
            "`{member}` is not 32 bytes of base64url"
        )));
    }
    Ok(out)
}

/// Whether a JWK is one orgwarden can verify with: an Ed25519 key meant for
/// signatures. Others (an issuer's RSA keys, encryption keys) are skipped.
pub(super) fn is_ed25519_signing_key(jwk: &Jwk) -> bool {
    jwk.kty == "OKP"
        && jwk.crv.as_deref() == Some("Ed25519")
        && jwk.alg.as_deref().is_none_or(|a| a == "EdDSA")
        && jwk.use_.as_deref().is_none_or(|u| u == "sig")
}

/// The bytes of `d` of a private Ed25519 signature key (every entry of
/// `SIGNING_KEYS` must be one), whichever loader takes the rest apart.
pub(super) fn private_part(jwk: &Jwk) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    if !is_ed25519_signing_key(jwk) {
        return Err(KeyError::Malformed(
            "signing keys must be Ed25519 (kty OKP, crv Ed25519)".into(),
        ));
    }
    let d = jwk.d.as_ref().ok_or(KeyError::NotPrivate)?;
    Ok(Zeroizing::new(decode_32("d", d.expose())?))
}

/// The bytes of an Ed25519 JWK's `x`.
pub(super) fn public_bytes(jwk: &Jwk) -> Result<[u8; PUBLIC_KEY_LENGTH], KeyError> {
    let x = jwk
        .x
        .as_deref()
        .ok_or_else(|| KeyError::Malformed("Ed25519 key has no `x`".into()))?;
    decode_32("x", x)
}

/// Loads and checks the public part of an Ed25519 JWK, decompressed.
fn load_public(jwk: &Jwk) -> Result<PublicKey, KeyError> {
    PublicKey::decode(public_bytes(jwk)?)
}

/// One trusted verification key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    /// Its `kid`.
    pub kid: String,
    /// The checked public key.
    pub key: PublicKey,
}

/// The keys tokens may be signed with, looked up by `kid` (never "try each").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<TrustedKey>,
}

impl KeySet {
    /// Loads every Ed25519 signature key of a JWKS (or single JWK). Keys of
    /// other types are skipped; a malformed or weak Ed25519 key fails the load.
    pub fn from_jwks(jwks: &Jwks) -> Result<KeySet, KeyError> {
        Self::load(jwks, |jwk| {
            let key = load_public(jwk)?;
            if let Some(d) = &jwk.d {
                check_private_matches(d, &key)?;
            }
            Ok(key)
        })
    }

    /// [`from_jwks`](KeySet::from_jwks) for a host that computes the
    /// equation itself (WebCrypto in a page): the encodings are checked, the
    /// points are not decompressed (a key that is no point verifies nothing),
    /// and a private key is refused — it has no business where only public
    /// keys are needed, and checking it would need the curve arithmetic.
    pub fn from_jwks_encodings(jwks: &Jwks) -> Result<KeySet, KeyError> {
        Self::load(jwks, |jwk| {
            if jwk.d.is_some() {
                return Err(KeyError::Malformed(
                    "a private key (`d`) where only public keys are needed".into(),
                ));
            }
            PublicKey::from_encoding(public_bytes(jwk)?)
        })
    }

    /// Every Ed25519 signature key of `jwks` through `key`, under its `kid`
    /// or its thumbprint; at least one.
    fn load(
        jwks: &Jwks,
        key: impl Fn(&Jwk) -> Result<PublicKey, KeyError>,
    ) -> Result<KeySet, KeyError> {
        let mut set = KeySet::default();
        for jwk in jwks.keys.iter().filter(|k| is_ed25519_signing_key(k)) {
            let key = key(jwk)?;
            let kid = jwk
                .kid
                .clone()
                .unwrap_or_else(|| thumbprint(key.as_bytes()));
            set.insert(kid, key)?;
        }
        if set.keys.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(set)
    }

    /// Parses and loads a JWKS (or single JWK) text.
    pub fn from_json(json: &str) -> Result<KeySet, KeyError> {
        Self::from_jwks(&Jwks::parse(json)?)
    }

    /// [`from_json`](KeySet::from_json) by [`from_jwks_encodings`](KeySet::from_jwks_encodings).
    pub fn from_json_encodings(json: &str) -> Result<KeySet, KeyError> {
        Self::from_jwks_encodings(&Jwks::parse(json)?)
    }

    /// Adds a key; a repeated `kid` is an error.
    pub fn insert(&mut self, kid: String, key: PublicKey) -> Result<(), KeyError> {
        if self.get(&kid).is_some() {
            return Err(KeyError::DuplicateKid(kid));
        }
        self.keys.push(TrustedKey { kid, key });
        Ok(())
    }

    /// The key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.kid == kid).map(|k| &k.key)
    }

    /// The keys.
    pub fn keys(&self) -> &[TrustedKey] {
        &self.keys
    }

    /// The public JWKS, as served at `/.well-known/jwks.json`.
    pub fn to_jwks(&self) -> Jwks {
        Jwks {
            keys: self
                .keys
                .iter()
                .map(|k| public_jwk(&k.kid, k.key.as_bytes()))
                .collect(),
        }
    }
}

fn public_jwk(kid: &str, key: &[u8; PUBLIC_KEY_LENGTH]) -> Jwk {
    Jwk {
        kty: "OKP".into(),
        crv: Some("Ed25519".into()),
        x: Some(Base64UrlUnpadded::encode_string(key)),
        d: None,
        kid: Some(kid.to_owned()),
        alg: Some("EdDSA".into()),
        use_: Some("sig".into()),
    }
}

fn check_private_matches(d: &SecretString, public: &PublicKey) -> Result<SigningKey, KeyError> {
    let secret = Zeroizing::new(decode_32("d", d.expose())?);
    let key = SigningKey::from_bytes(&secret);
    if key.verifying_key().as_bytes() != public.as_bytes() {
        return Err(KeyError::Mismatch);
    }
    Ok(key)
}

/// One private signing key.
#[derive(Clone)]
pub struct SigningEntry {
    /// Its `kid`.
    pub kid: String,
    key: SigningKey,
}

impl SigningEntry {
    /// The private key (for signing only).
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The private JWK (`d` included): what `orgwarden keygen` prints.
    pub fn to_private_jwk(&self) -> Jwk {
        let mut jwk = public_jwk(&self.kid, self.key.verifying_key().as_bytes());
        jwk.d = Some(SecretString(Zeroizing::new(
            Base64UrlUnpadded::encode_string(self.key.as_bytes()),
        )));
        jwk
    }
}

impl fmt::Debug for SigningEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningEntry")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The deployment's own private keys: the first signs, all of them verify
/// (rotation: put a new key first, keep the old ones until their tokens expire).
#[derive(Debug, Clone)]
pub struct SigningKeys {
    keys: Vec<SigningEntry>,
}

impl SigningKeys {
    /// Loads a private JWKS (or one private JWK). Every key must be a private
    /// Ed25519 signature key whose `x`, when given, matches `d`.
    pub fn from_jwks(jwks: &Jwks) -> Result<SigningKeys, KeyError> {
        let mut keys: Vec<SigningEntry> = Vec::new();
        for jwk in &jwks.keys {
            let secret = private_part(jwk)?;
            let key = SigningKey::from_bytes(&secret);
            if jwk.x.is_some() && load_public(jwk)?.as_bytes() != key.verifying_key().as_bytes() {
                return Err(KeyError::Mismatch);
            }
            let kid = jwk
                .kid
                .clone()
                .unwrap_or_else(|| thumbprint(key.verifying_key().as_bytes()));
            if keys.iter().any(|k| k.kid == kid) {
                return Err(KeyError::DuplicateKid(kid));
            }
            keys.push(SigningEntry { kid, key });
        }
        if keys.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(SigningKeys { keys })
    }

    /// Parses and loads a private JWKS (or one private JWK) text.
    pub fn from_json(json: &str) -> Result<SigningKeys, KeyError> {
        Self::from_jwks(&Jwks::parse(json)?)
    }

    /// A new key from 32 random bytes the caller drew (the core has no RNG);
    /// its `kid` is the RFC 7638 thumbprint unless one is given.
    pub fn generate(seed: &[u8; SECRET_KEY_LENGTH], kid: Option<String>) -> SigningEntry {
        let key = SigningKey::from_bytes(seed);
        let kid = kid.unwrap_or_else(|| thumbprint(key.verifying_key().as_bytes()));
        SigningEntry { kid, key }
    }

    /// From entries; the first is the active one.
    pub fn from_entries(keys: Vec<SigningEntry>) -> Result<SigningKeys, KeyError> {
        if keys.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(SigningKeys { keys })
    }

    /// The key that signs new tokens.
    pub fn active(&self) -> &SigningEntry {
        // `from_jwks` and `from_entries` refuse an empty list.
        #[expect(clippy::indexing_slicing, reason = "never empty by construction")]
        &self.keys[0]
    }

    /// Every key.
    pub fn entries(&self) -> &[SigningEntry] {
        &self.keys
    }

    /// The public keys of all signing keys: the set tokens are verified against.
    pub fn verification_keys(&self) -> KeySet {
        KeySet {
            keys: self
                .keys
                .iter()
                .map(|k| TrustedKey {
                    kid: k.kid.clone(),
                    key: PublicKey::derived(k.key.verifying_key()),
                })
                .collect(),
        }
    }

    /// The private JWKS (for `wrangler secret put`).
    pub fn to_private_jwks(&self) -> Jwks {
        Jwks {
            keys: self.keys.iter().map(SigningEntry::to_private_jwk).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8037 appendix A.1 and A.3.
    const RFC8037_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const RFC8037_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const RFC8037_THUMBPRINT: &str = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

    fn rfc_private() -> String {
        format!(r#"{{"kty":"OKP","crv":"Ed25519","d":"{RFC8037_D}","x":"{RFC8037_X}"}}"#)
    }

    #[test]
    fn rfc8037_thumbprint_is_the_default_kid() {
        let set = KeySet::from_json(&format!(
            r#"{{"kty":"OKP","crv":"Ed25519","x":"{RFC8037_X}"}}"#
        ))
        .unwrap();
        assert_eq!(set.keys()[0].kid, RFC8037_THUMBPRINT);
        let private = SigningKeys::from_json(&rfc_private()).unwrap();
        assert_eq!(private.active().kid, RFC8037_THUMBPRINT);
        assert_eq!(private.verification_keys(), set);
    }

    #[test]
    fn private_jwk_round_trips_and_debug_is_redacted() {
        let keys = SigningKeys::from_json(&rfc_private()).unwrap();
        let jwks = keys.to_private_jwks();
        let json = jwks.to_json();
        assert!(json.contains(RFC8037_D));
        let again = SigningKeys::from_json(&json).unwrap();
        assert_eq!(again.active().kid, keys.active().kid);
        let dbg = format!("{jwks:?} {keys:?}");
        assert!(!dbg.contains(RFC8037_D), "{dbg}");
        assert!(dbg.contains("[redacted]"));
        // The public set carries no private part.
        assert!(!keys
            .verification_keys()
            .to_jwks()
            .to_json()
            .contains(RFC8037_D));
    }

    #[test]
    fn weak_keys_are_refused_at_load() {
        // The identity point (small order) and a point of order 8.
        let identity = Base64UrlUnpadded::encode_string(&{
            let mut b = [0u8; 32];
            b[0] = 1;
            b
        });
        let order8 = Base64UrlUnpadded::encode_string(&[
            0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10,
            0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77,
            0x92, 0xac, 0x03, 0x7a,
        ]);
        for x in [identity, order8] {
            let err = KeySet::from_json(&format!(
                r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"w"}}"#
            ))
            .unwrap_err();
            assert_eq!(err.code(), "jwk_weak_key");
        }
    }

    #[test]
    fn bad_key_sets() {
        let cases = [
            ("{}", "jwk_malformed"),
            ("[1]", "jwk_malformed"),
            (r#"{"keys":[]}"#, "jwks_empty"),
            (
                r#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}"#,
                "jwks_empty",
            ),
            (r#"{"kty":"OKP","crv":"Ed25519"}"#, "jwk_malformed"),
            (
                r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA"}"#,
                "jwk_malformed",
            ),
        ];
        for (json, code) in cases {
            assert_eq!(KeySet::from_json(json).unwrap_err().code(), code, "{json}");
        }
        let dup = format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{RFC8037_X}","kid":"a"}},{{"kty":"OKP","crv":"Ed25519","x":"{RFC8037_X}","kid":"a"}}]}}"#
        );
        assert_eq!(
            KeySet::from_json(&dup).unwrap_err().code(),
            "jwk_duplicate_kid"
        );
        let other = SigningKeys::generate(&[7; 32], None);
        let mismatched = format!(
            r#"{{"kty":"OKP","crv":"Ed25519","d":"{RFC8037_D}","x":"{}"}}"#,
            other.to_private_jwk().x.unwrap()
        );
        assert_eq!(
            SigningKeys::from_json(&mismatched).unwrap_err().code(),
            "jwk_mismatch"
        );
        assert_eq!(
            KeySet::from_json(&mismatched).unwrap_err().code(),
            "jwk_mismatch"
        );
        let public_only = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{RFC8037_X}"}}"#);
        assert_eq!(
            SigningKeys::from_json(&public_only).unwrap_err().code(),
            "jwk_not_private"
        );
    }

    #[test]
    fn mixed_sets_keep_their_ed25519_keys() {
        let json = format!(
            r#"{{"keys":[{{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"r"}},{{"kty":"OKP","crv":"Ed25519","x":"{RFC8037_X}","use":"enc"}},{{"kty":"OKP","crv":"Ed25519","x":"{RFC8037_X}","kid":"ok"}}]}}"#
        );
        let set = KeySet::from_json(&json).unwrap();
        assert_eq!(set.keys().len(), 1);
        assert!(set.get("ok").is_some());
        assert!(set.get("r").is_none());
    }

    #[test]
    fn a_members_presence_decides_the_shape_even_when_null() {
        let x = format!(r#""kty":"OKP","crv":"Ed25519","x":"{RFC8037_X}""#);
        let null_keys = format!(r#"{{"keys":null,{x}}}"#);
        assert_eq!(Jwks::parse(&null_keys).unwrap_err().code(), "jwk_malformed");
        assert_eq!(Jwks::parse(&format!("{{{x}}}")).unwrap().keys.len(), 1);
        for not_a_set in ["[]", "null", r#""keys""#, "{}"] {
            assert_eq!(Jwks::parse(not_a_set).unwrap_err().code(), "jwk_malformed");
        }
    }

    #[test]
    fn the_encoding_loader_refuses_private_keys_and_keeps_the_same_kids() {
        let private = KeySet::from_jwks_encodings(&Jwks::parse(&rfc_private()).unwrap());
        assert_eq!(private.unwrap_err().code(), "jwk_malformed");
        let public = Jwks::parse(&format!(
            r#"{{"kty":"OKP","crv":"Ed25519","x":"{RFC8037_X}"}}"#
        ))
        .unwrap();
        assert_eq!(
            KeySet::from_jwks_encodings(&public).unwrap(),
            KeySet::from_jwks(&public).unwrap()
        );
    }
}
