//! Token parsing and verification: any text as a token (inspected and
//! verified), and any claims JSON signed with the real key (so the fuzzer
//! reaches the claim checks behind a good signature). Never a panic; a
//! token verifies only when its signature is the key's; the equation left to
//! a host (as the worker leaves it to WebCrypto) and answered with the same
//! arithmetic gives the same result as verifying here; every segment
//! decodes to what base64ct, the constant-time decoder, makes of it.
#![no_main]

use base64ct::{Base64UrlUnpadded, Encoding};

use libfuzzer_sys::fuzz_target;
use orgwarden::core::surface::{self, VerifyRequest};
use orgwarden::core::token::keys::SigningKeys;
use orgwarden::core::token::segment;
use orgwarden::core::token::{
    sign, AccessClaims, Checked, Equation, Verdict, Verifier, VerifyOptions,
};

const NOW: i64 = 1_800_000_000;
const ISS: &str = "https://api.example.com/t/acme";
const AUD: &str = "https://api.example.com";

fn keys() -> SigningKeys {
    SigningKeys::from_entries(vec![SigningKeys::generate(&[7; 32], Some("k1".into()))])
        .unwrap_or_else(|_| unreachable!())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let keys = keys();
    let verifier = Verifier::new(keys.verification_keys(), VerifyOptions::new(ISS, AUD));
    if mode % 2 == 0 {
        for part in text.split('.') {
            assert_eq!(
                segment::decode(part),
                Base64UrlUnpadded::decode_vec(part).ok()
            );
        }
        let _ = surface::inspect(&text, NOW);
        let _ = surface::claims_unverified(&text);
        let jwks = keys.verification_keys().to_jwks();
        let request = VerifyRequest {
            issuer: ISS.into(),
            audience: AUD.into(),
            leeway: None,
            now: Some(NOW),
        };
        let via_surface = surface::verify(
            &text,
            &serde_json::to_string(&jwks).unwrap_or_default(),
            &request,
            NOW,
        );
        let direct = verifier.verify(text.trim(), NOW);
        // The two paths agree.
        assert_eq!(via_surface.is_ok(), direct.is_ok());
        // So does the host's path: ask, answer with the same equation, finish.
        let hosted = match verifier.check_as::<AccessClaims>(text.trim(), NOW, Equation::Host(None))
        {
            Ok(Checked::NeedsSignature(check)) => {
                let verdict = Verdict {
                    valid: check.verify_here(),
                    check,
                };
                verifier.check_as::<AccessClaims>(text.trim(), NOW, Equation::Host(Some(&verdict)))
            }
            other => other,
        };
        match (&hosted, &direct) {
            (Ok(Checked::Verified(a)), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(a.code(), b.code()),
            _ => panic!("the host's path and this one disagree"),
        }
    } else if let Ok(claims) = serde_json::from_str::<serde_json::Value>(&text) {
        if let Ok(token) = sign(&keys, &claims) {
            let _ = verifier.verify(&token, NOW);
            // One flipped byte of the signature never verifies.
            let mut bytes = token.into_bytes();
            if let Some(last) = bytes.last_mut() {
                *last = if *last == b'A' { b'B' } else { b'A' };
            }
            let flipped = String::from_utf8_lossy(&bytes);
            if let Ok(v) = verifier.verify(&flipped, NOW) {
                panic!("a changed signature verified: {:?}", v.kid);
            }
        }
    }
});
