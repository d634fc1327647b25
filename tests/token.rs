//! Token verification against the rules of CONTRACT section 4: RFC 8037
//! vectors, and one negative case per error code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use base64ct::{Base64UrlUnpadded, Encoding};
use ed25519_dalek::Signer;
use orgwarden::core::token::alg::StrictEd25519;
use orgwarden::core::token::keys::SigningKeys;
use orgwarden::core::token::verify::signing_input;
use orgwarden::core::token::{sign, AccessClaims, KeySet, TokenCache, Verifier, VerifyOptions};
use serde_json::json;

const ISS: &str = "https://api.example.com/t/acme";
const AUD: &str = "https://api.example.com";
const NOW: i64 = 1_800_000_000;

// RFC 8037 appendix A.
const RFC_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const RFC_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
const RFC_SIGNING_INPUT: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
const RFC_SIGNATURE: &str =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

fn keys() -> SigningKeys {
    SigningKeys::from_entries(vec![SigningKeys::generate(&[42; 32], Some("k1".into()))]).unwrap()
}

fn claims() -> AccessClaims {
    claims_at(NOW, NOW + 900, None)
}

fn claims_at(iat: i64, exp: i64, nbf: Option<i64>) -> AccessClaims {
    serde_json::from_value(json!({
        "iss": ISS, "sub": "alice", "aud": AUD, "jti": "j1", "tid": "acme", "iat": iat, "exp": exp, "nbf": nbf,
        "orgs": {"acme": {"role": "owner", "rights": ["RIGHT_ORGANIZATION_ALL", "RIGHT_APPLICATION_ALL"]}}
    }))
    .unwrap()
}

fn good_token() -> String {
    sign(&keys(), &claims()).unwrap()
}

fn verifier() -> Verifier {
    Verifier::new(keys().verification_keys(), VerifyOptions::new(ISS, AUD))
}

fn code(token: &str) -> &'static str {
    verifier()
        .verify(token, NOW)
        .map_or_else(|e| e.code(), |_| "ok")
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// A token from raw header and payload JSON, properly signed with `k1`.
fn craft(header: &str, payload: &serde_json::Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.as_bytes()),
        b64(payload.to_string().as_bytes())
    );
    let sig = keys().active().key().sign(input.as_bytes());
    format!("{input}.{}", b64(&sig.to_bytes()))
}

fn payload() -> serde_json::Value {
    json!({"iss": ISS, "sub": "alice", "aud": AUD, "jti": "j1", "tid": "acme", "iat": NOW, "exp": NOW + 900})
}

#[test]
fn rfc8037_a4_signature_vector() {
    let keys = SigningKeys::from_json(&format!(
        r#"{{"kty":"OKP","crv":"Ed25519","d":"{RFC_D}","x":"{RFC_X}"}}"#
    ))
    .unwrap();
    let sig = jwt_compact::Algorithm::sign(
        &StrictEd25519,
        keys.active().key(),
        RFC_SIGNING_INPUT.as_bytes(),
    );
    assert_eq!(b64(&sig.to_bytes()), RFC_SIGNATURE);
    let public =
        KeySet::from_json(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{RFC_X}"}}"#)).unwrap();
    let key = public.keys()[0].key.point().unwrap();
    assert!(jwt_compact::Algorithm::verify_signature(
        &StrictEd25519,
        &sig,
        &key,
        RFC_SIGNING_INPUT.as_bytes()
    ));
    assert!(!jwt_compact::Algorithm::verify_signature(
        &StrictEd25519,
        &sig,
        &key,
        b"eyJhbGciOiJFZERTQSJ9.x"
    ));
}

#[test]
fn a_good_token_verifies_with_its_claims() {
    let token = good_token();
    let v = verifier().verify(&token, NOW).unwrap();
    assert_eq!(v.claims, claims());
    assert_eq!(
        (v.claims.iat, v.claims.exp, v.kid.as_str()),
        (NOW, NOW + 900, "k1")
    );
    let (header, _) = orgwarden::core::token::decode_unverified(&token).unwrap();
    assert_eq!(
        header,
        json!({"alg": "EdDSA", "kid": "k1", "typ": "at+jwt"})
    );
    // Older keys keep verifying after a rotation puts a new key first.
    let rotated = SigningKeys::from_entries(vec![
        SigningKeys::generate(&[43; 32], Some("k2".into())),
        keys().active().clone(),
    ])
    .unwrap();
    let v2 = Verifier::new(rotated.verification_keys(), VerifyOptions::new(ISS, AUD));
    assert!(v2.verify(&token, NOW).is_ok());
    let new = sign(&rotated, &claims_at(NOW, NOW + 60, None)).unwrap();
    assert_eq!(v2.verify(&new, NOW).unwrap().kid, "k2");
    assert_eq!(code(&new), "token_unknown_kid");
}

#[test]
fn alg_none_is_refused_before_any_key() {
    let t = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","kid":"k1"}"#),
        b64(payload().to_string().as_bytes())
    );
    assert_eq!(code(&t), "token_alg_not_allowed");
    let t = format!(
        "{}.{}.AAAA",
        b64(br#"{"alg":"none"}"#),
        b64(payload().to_string().as_bytes())
    );
    assert_eq!(code(&t), "token_alg_not_allowed");
}

#[test]
fn hs256_with_the_public_key_as_secret_is_refused() {
    let public = keys().active().key().verifying_key();
    let x = b64(public.as_bytes());
    for secret in [public.as_bytes().to_vec(), x.into_bytes()] {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some("k1".into());
        let t = jsonwebtoken::encode(
            &header,
            &payload(),
            &jsonwebtoken::EncodingKey::from_secret(&secret),
        )
        .unwrap();
        assert_eq!(code(&t), "token_alg_not_allowed");
    }
}

#[test]
fn kid_missing_or_unknown() {
    assert_eq!(
        code(&craft(r#"{"alg":"EdDSA","typ":"at+jwt"}"#, &payload())),
        "token_unknown_kid"
    );
    assert_eq!(
        code(&craft(r#"{"alg":"EdDSA","kid":"k9"}"#, &payload())),
        "token_unknown_kid"
    );
    assert_eq!(
        code(&craft(r#"{"alg":"EdDSA","kid":"K1"}"#, &payload())),
        "token_unknown_kid"
    );
    assert_eq!(
        code(&craft(r#"{"alg":"EdDSA","kid":"k1"}"#, &payload())),
        "ok"
    );
}

#[test]
fn crit_typ_and_duplicate_header_members() {
    assert_eq!(
        code(&craft(
            r#"{"alg":"EdDSA","kid":"k1","crit":["b64"],"b64":false}"#,
            &payload()
        )),
        "token_malformed"
    );
    assert_eq!(
        code(&craft(
            r#"{"alg":"EdDSA","kid":"k1","typ":"JWT"}"#,
            &payload()
        )),
        "token_malformed"
    );
    assert_eq!(
        code(&craft(
            r#"{"alg":"EdDSA","kid":"k1","kid":"k1"}"#,
            &payload()
        )),
        "token_malformed"
    );
    assert_eq!(
        code(&craft(
            r#"{"alg":"HS256","alg":"EdDSA","kid":"k1"}"#,
            &payload()
        )),
        "token_malformed"
    );
    assert_eq!(
        code(&craft(
            r#"{"alg":"EdDSA","kid":"k1","typ":"at+jwt"}"#,
            &payload()
        )),
        "ok"
    );
}

#[test]
fn any_altered_byte_fails() {
    let token = good_token();
    let (header, rest) = token.split_once('.').unwrap();
    let (payload, sig) = rest.split_once('.').unwrap();
    // A payload byte changed to another base64url letter: the signature no longer covers it.
    let mut p = payload.as_bytes().to_vec();
    let i = p.len() / 2;
    p[i] = if p[i] == b'A' { b'B' } else { b'A' };
    let altered = format!("{header}.{}.{sig}", String::from_utf8(p).unwrap());
    assert!(matches!(
        code(&altered),
        "token_bad_signature" | "token_malformed"
    ));
    // A claim rewritten cleanly (valid JSON, same shape): only the signature can tell.
    let mut claims = serde_json::from_slice::<serde_json::Value>(
        &Base64UrlUnpadded::decode_vec(payload).unwrap(),
    )
    .unwrap();
    claims["sub"] = json!("mallory");
    let forged = format!("{header}.{}.{sig}", b64(claims.to_string().as_bytes()));
    assert_eq!(code(&forged), "token_bad_signature");
    // Every single flipped bit of the signature.
    let sig_bytes = Base64UrlUnpadded::decode_vec(sig).unwrap();
    for bit in 0..(sig_bytes.len() * 8) {
        let mut s = sig_bytes.clone();
        s[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(
            code(&format!("{header}.{payload}.{}", b64(&s))),
            "token_bad_signature",
            "bit {bit}"
        );
    }
}

/// `s + L` verifies under a lax check (the same point) but is not canonical.
#[test]
fn signature_with_s_plus_l_is_refused() {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    // Find a token whose s leaves room for s + L in 256 bits (s < 2^256 − L
    // always holds, as s < L < 2^253), then add L little-endian.
    let token = good_token();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut s = Base64UrlUnpadded::decode_vec(sig).unwrap();
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(s[32 + i]) + u16::from(L[i]) + carry;
        s[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    assert_eq!(code(&format!("{input}.{}", b64(&s))), "token_bad_signature");
}

#[test]
fn small_order_keys_never_make_it_into_a_key_set() {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let err = KeySet::from_json(&format!(
        r#"{{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"{}"}}"#,
        b64(&identity)
    ))
    .unwrap_err();
    assert_eq!(err.code(), "jwk_weak_key");
}

#[test]
fn time_claims_with_leeway() {
    let v = verifier();
    let t = |iat: i64, exp: i64, nbf: Option<i64>| {
        v.verify(&sign(&keys(), &claims_at(iat, exp, nbf)).unwrap(), NOW)
            .map_or_else(|e| e.code(), |_| "ok")
    };
    assert_eq!(t(NOW - 1000, NOW - 61, None), "token_expired");
    assert_eq!(t(NOW - 1000, NOW - 60, None), "token_expired");
    assert_eq!(
        t(NOW - 1000, NOW - 59, None),
        "ok",
        "within the 60 s leeway"
    );
    assert_eq!(t(NOW + 61, NOW + 900, None), "token_not_yet_valid");
    assert_eq!(t(NOW + 60, NOW + 900, None), "ok");
    assert_eq!(t(NOW, NOW + 900, Some(NOW + 61)), "token_not_yet_valid");
    assert_eq!(t(NOW, NOW + 900, Some(NOW + 30)), "ok");
    let strict = Verifier::new(
        keys().verification_keys(),
        VerifyOptions {
            leeway_secs: 0,
            ..VerifyOptions::new(ISS, AUD)
        },
    );
    let token = sign(&keys(), &claims_at(NOW - 100, NOW, None)).unwrap();
    assert_eq!(
        strict.verify(&token, NOW).unwrap_err().code(),
        "token_expired"
    );
    assert_eq!(strict.verify(&token, NOW - 1).map(|_| ()), Ok(()));
    // exp and iat are required (RFC 9068).
    let mut p = payload();
    p.as_object_mut().unwrap().remove("exp");
    assert_eq!(
        code(&craft(r#"{"alg":"EdDSA","kid":"k1"}"#, &p)),
        "token_malformed"
    );
    let mut p = payload();
    p.as_object_mut().unwrap().remove("iat");
    assert_eq!(
        code(&craft(r#"{"alg":"EdDSA","kid":"k1"}"#, &p)),
        "token_malformed"
    );
}

#[test]
fn issuer_and_audience() {
    let token = good_token();
    let other_iss = Verifier::new(
        keys().verification_keys(),
        VerifyOptions::new("https://api.example.com/t/beta", AUD),
    );
    assert_eq!(
        other_iss.verify(&token, NOW).unwrap_err().code(),
        "token_wrong_issuer"
    );
    let other_aud = Verifier::new(
        keys().verification_keys(),
        VerifyOptions::new(ISS, "https://other.example"),
    );
    assert_eq!(
        other_aud.verify(&token, NOW).unwrap_err().code(),
        "token_wrong_audience"
    );
    let mut p = payload();
    p["aud"] = json!(["https://other.example", AUD]);
    assert_eq!(code(&craft(r#"{"alg":"EdDSA","kid":"k1"}"#, &p)), "ok");
    p["aud"] = json!(["https://other.example"]);
    assert_eq!(
        code(&craft(r#"{"alg":"EdDSA","kid":"k1"}"#, &p)),
        "token_wrong_audience"
    );
}

#[test]
fn oversized_tokens_are_refused_before_parsing() {
    let mut p = payload();
    p["pad"] = json!("x".repeat(8 * 1024));
    assert_eq!(
        code(&craft(r#"{"alg":"EdDSA","kid":"k1"}"#, &p)),
        "token_too_large"
    );
    assert_eq!(code(&"a".repeat(9000)), "token_too_large");
}

#[test]
fn structure_and_base64() {
    let token = good_token();
    let (h, rest) = token.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    for bad in [
        String::new(),
        "abc".into(),
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}=.{p}.{s}"),
        format!("{h}.{p}=.{s}"),
        format!("{h}.{p}.{s}="),
        format!("{h}.{p}+.{s}"),
        format!("{h}.{p}.{}", &s[..s.len() - 2]),
        format!("{h}.{p}.{s}AA"),
        format!("{h}.{}.{s}", b64(b"not json")),
        format!("{h}.{}.{s}", b64(b"[1,2]")),
    ] {
        assert!(
            matches!(code(&bad), "token_malformed" | "token_bad_signature"),
            "{bad}: {}",
            code(&bad)
        );
    }
    // Claims that are JSON but of the wrong shape are malformed once signed.
    let mut p2 = payload();
    p2["orgs"] = json!({"acme": {"role": "owner", "rights": ["RIGHT_NOPE"]}});
    assert_eq!(
        code(&craft(r#"{"alg":"EdDSA","kid":"k1"}"#, &p2)),
        "token_malformed"
    );
    p2["orgs"] = json!({"Not An Id": {"role": "owner", "rights": []}});
    assert_eq!(
        code(&craft(r#"{"alg":"EdDSA","kid":"k1"}"#, &p2)),
        "token_malformed"
    );
    // Unknown claims are fine.
    let mut p3 = payload();
    p3["scope"] = json!("read");
    assert_eq!(code(&craft(r#"{"alg":"EdDSA","kid":"k1"}"#, &p3)), "ok");
}

#[test]
fn signing_input_is_everything_before_the_last_dot() {
    let t = good_token();
    assert_eq!(signing_input(&t).matches('.').count(), 1);
}

#[test]
fn cache_hits_skip_verification_and_never_match_another_token() {
    let v = verifier();
    let mut cache = TokenCache::new(2);
    let token = good_token();
    let first = cache.verify(&v, &token, NOW).unwrap();
    let second = cache.verify(&v, &token, NOW + 1).unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &second));
    assert_eq!((cache.stats().hits, cache.stats().misses), (1, 1));
    // One changed byte in the signature: a miss, and a refusal.
    let mut altered = token.clone().into_bytes();
    let last = altered.len() - 5;
    altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    assert_eq!(
        cache.verify(&v, &altered, NOW).unwrap_err().code(),
        "token_bad_signature"
    );
    assert_eq!(cache.stats().misses, 2);
    // A cached token expires on time.
    assert_eq!(
        cache.verify(&v, &token, NOW + 900 + 60).unwrap_err().code(),
        "token_expired"
    );
    assert_eq!(cache.len(), 0);
    // Bounded: the oldest entry goes first.
    let tokens: Vec<String> = (0..3)
        .map(|i| sign(&keys(), &claims_at(NOW + i, NOW + 900, None)).unwrap())
        .collect();
    for t in &tokens {
        cache.verify(&v, t, NOW + 5).unwrap();
    }
    assert_eq!(cache.len(), 2);
    assert_eq!(cache.stats().evictions, 1);
    let misses = cache.stats().misses;
    cache.verify(&v, &tokens[2], NOW + 5).unwrap();
    assert_eq!(cache.stats().misses, misses, "newest still cached");
    cache.verify(&v, &tokens[0], NOW + 5).unwrap();
    assert_eq!(cache.stats().misses, misses + 1, "oldest was evicted");
}

#[test]
fn jose_style_interop_jsonwebtoken_accepts_our_tokens() {
    // An independent implementation verifies what we sign.
    let token = good_token();
    let x = keys().active().key().verifying_key();
    let key = jsonwebtoken::DecodingKey::from_ed_der(x.as_bytes());
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_issuer(&[ISS]);
    validation.set_audience(&[AUD]);
    validation.validate_exp = false;
    let data = jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).unwrap();
    assert_eq!(data.claims["sub"], "alice");
    assert_eq!(data.header.kid.as_deref(), Some("k1"));
}

/// A host's verifier never computes the equation: asked to, it verifies
/// nothing; it hands out the check instead, and takes the host's verdict.
#[test]
fn a_host_verifier_computes_no_equation() {
    use orgwarden::core::token::{Checked, Equation, Verdict};
    let v = verifier();
    let host = Verifier::for_host(v.keys().clone(), v.options().clone());
    let token = good_token();
    assert_eq!(
        host.verify(&token, NOW).unwrap_err().code(),
        "token_bad_signature"
    );
    let Ok(Checked::NeedsSignature(check)) =
        host.check_as::<AccessClaims>(&token, NOW, Equation::Host(None))
    else {
        panic!("no check handed out")
    };
    let verdict = Verdict {
        valid: check.verify_here(),
        check,
    };
    let Ok(Checked::Verified(t)) =
        host.check_as::<AccessClaims>(&token, NOW, Equation::Host(Some(&verdict)))
    else {
        panic!("the verdict was not taken")
    };
    assert_eq!(t.claims, v.verify(&token, NOW).unwrap().claims);
}
