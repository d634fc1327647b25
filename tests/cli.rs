//! The `orgwarden` binary, run as a user would: keygen, sign, inspect, verify.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

const ISS: &str = "http://127.0.0.1:8787/t/acme";
const AUD: &str = "http://127.0.0.1:8787";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

fn orgwarden(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_orgwarden"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails on its arguments exits without reading its input:
    // a broken pipe here is part of that, not a test failure.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("orgwarden-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A fresh key pair in files of the calling test's own.
fn setup(test: &str) -> (PathBuf, PathBuf) {
    let private = tmp(&format!("{test}-private.json"));
    let public = tmp(&format!("{test}-public.json"));
    let r = orgwarden(
        &["keygen", "--kid", "test-key", "--public-out", s(&public)],
        "",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::write(&private, &r.stdout).unwrap();
    (private, public)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn claims() -> Value {
    json!({"iss": ISS, "sub": "alice", "aud": AUD, "tid": "acme",
           "orgs": {"acme": {"role": "admin", "rights": ["RIGHT_ORGANIZATION_INFO"]}}})
}

fn sign(private: &Path, claims: &Value, extra: &[&str]) -> String {
    let mut args = vec!["token", "sign", "--key", s(private)];
    args.extend_from_slice(extra);
    let r = orgwarden(&args, &claims.to_string());
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    r.json()["token"].as_str().unwrap().to_owned()
}

fn verify(public: &Path, token: &str) -> Run {
    orgwarden(
        &[
            "token",
            "verify",
            "--jwks",
            s(public),
            "--iss",
            ISS,
            "--aud",
            AUD,
            token,
        ],
        "",
    )
}

#[test]
fn keygen_prints_a_private_jwks_and_writes_the_public_one() {
    let (private, public) = setup("keygen_prints_a_priv");
    let private: Value = serde_json::from_str(&std::fs::read_to_string(private).unwrap()).unwrap();
    let public: Value = serde_json::from_str(&std::fs::read_to_string(public).unwrap()).unwrap();
    let k = &private["keys"][0];
    assert_eq!(
        (k["kty"].as_str(), k["crv"].as_str(), k["kid"].as_str()),
        (Some("OKP"), Some("Ed25519"), Some("test-key"))
    );
    assert!(k["d"].as_str().unwrap().len() == 43);
    assert!(public["keys"][0].get("d").is_none());
    assert_eq!(public["keys"][0]["x"], k["x"]);
    // The public JWKS can be derived again from the private one.
    let again = orgwarden(&["jwks", "public", "-"], &private.to_string());
    assert_eq!(again.json(), public);
    // Two keygens never give one key.
    let other = orgwarden(&["keygen"], "").json();
    assert_ne!(other["keys"][0]["x"], k["x"]);
}

#[test]
fn keygen_add_to_rotates() {
    let (private, _) = setup("keygen_add_to_rotate");
    let r = orgwarden(&["keygen", "--kid", "next", "--add-to", s(&private)], "");
    assert_eq!(r.code, 0);
    let kids: Vec<String> = r.json()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kids, ["next", "test-key"]);
}

#[test]
fn sign_then_verify_then_inspect() {
    let (private, public) = setup("sign_then_verify_the");
    let token = sign(&private, &claims(), &[]);
    let r = verify(&public, &token);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v = r.json();
    assert_eq!(v["valid"], true);
    assert_eq!(v["claims"]["sub"], "alice");
    assert!((v["claims"]["exp"].as_i64().unwrap() - now() - 900).abs() < 5);
    assert_eq!(v["claims"]["jti"].as_str().unwrap().len(), 22);
    // From standard input too.
    let r = orgwarden(
        &[
            "token",
            "verify",
            "--jwks",
            s(&public),
            "--iss",
            ISS,
            "--aud",
            AUD,
            "-",
        ],
        &format!("{token}\n"),
    );
    assert_eq!(r.code, 0);
    let i = orgwarden(&["token", "inspect", &token], "").json();
    assert_eq!(i["verified"], false);
    assert_eq!(
        i["header"],
        json!({"alg": "EdDSA", "kid": "test-key", "typ": "at+jwt"})
    );
    assert_eq!(i["expired"], false);
    assert!(i["expires_at"].as_str().unwrap().ends_with('Z'));
    let i2 = orgwarden(&["token", "inspect"], &token).json();
    assert_eq!(i2["claims"], i["claims"]);
}

#[test]
fn verify_refuses_bad_tokens_with_their_code() {
    let (private, public) = setup("verify_refuses_bad_t");
    let t = now();
    let expired = sign(
        &private,
        &json!({"iat": t - 1000, "exp": t - 100, "jti": "x"})
            .as_object()
            .unwrap()
            .clone()
            .into_iter()
            .chain(claims().as_object().unwrap().clone())
            .collect::<serde_json::Map<_, _>>()
            .into(),
        &[],
    );
    let cases: Vec<(String, &str)> = vec![
        (expired, "token_expired"),
        (
            sign(
                &private,
                &{
                    let mut c = claims();
                    c["nbf"] = json!(t + 3600);
                    c
                },
                &[],
            ),
            "token_not_yet_valid",
        ),
        (
            sign(
                &private,
                &{
                    let mut c = claims();
                    c["iss"] = json!("https://evil");
                    c
                },
                &[],
            ),
            "token_wrong_issuer",
        ),
        (
            sign(
                &private,
                &{
                    let mut c = claims();
                    c["aud"] = json!("https://evil");
                    c
                },
                &[],
            ),
            "token_wrong_audience",
        ),
        ("a.b".into(), "token_malformed"),
        ("x".repeat(9000), "token_too_large"),
        (
            format!("eyJhbGciOiJub25lIn0.{}.", "e30"),
            "token_alg_not_allowed",
        ),
    ];
    for (token, code) in cases {
        let r = verify(&public, &token);
        assert_eq!(r.code, 1, "{code}");
        let v = r.json();
        assert_eq!(v["code"], code, "{}", r.stdout);
        assert!(v["message"].as_str().unwrap().len() > 5);
    }
    // Signed by another key: its kid is unknown here.
    let other = tmp("verify-other.json");
    std::fs::write(&other, orgwarden(&["keygen"], "").stdout).unwrap();
    let r = verify(&public, &sign(&other, &claims(), &[]));
    assert_eq!(r.json()["code"], "token_unknown_kid");
    // A leeway stretches expiry.
    let just_expired = sign(
        &private,
        &{
            let mut c = claims();
            c["iat"] = json!(t - 200);
            c["exp"] = json!(t - 90);
            c
        },
        &[],
    );
    assert_eq!(
        verify(&public, &just_expired).json()["code"],
        "token_expired"
    );
    let r = orgwarden(
        &[
            "token",
            "verify",
            "--jwks",
            s(&public),
            "--iss",
            ISS,
            "--aud",
            AUD,
            "--leeway",
            "300",
            &just_expired,
        ],
        "",
    );
    assert_eq!(r.code, 0);
}

#[test]
fn bad_invocations() {
    let (private, public) = setup("bad_invocations");
    assert_eq!(orgwarden(&[], "").code, 2);
    assert_eq!(orgwarden(&["frobnicate"], "").code, 2);
    assert_eq!(
        orgwarden(&["token", "verify", "--jwks", s(&public), "x"], "").code,
        2,
        "--iss and --aud are required"
    );
    assert_eq!(
        orgwarden(
            &["token", "sign", "--key", s(&private), "--bogus", "1"],
            "{}"
        )
        .code,
        2
    );
    let r = orgwarden(&["token", "sign", "--key", s(&private)], "{\"sub\": 1}");
    assert_eq!(
        (r.code, r.json()["code"].as_str()),
        (1, Some("claims_invalid"))
    );
    let r = orgwarden(
        &["token", "sign", "--key", s(&public)],
        &claims().to_string(),
    );
    assert_eq!(r.json()["code"], "jwk_not_private");
    let r = orgwarden(
        &[
            "token",
            "verify",
            "--jwks",
            "/nonexistent",
            "--iss",
            ISS,
            "--aud",
            AUD,
            "x",
        ],
        "",
    );
    assert_eq!(r.json()["code"], "io_error");
    // No secret in any output but keygen's own.
    let secret = serde_json::from_str::<Value>(&std::fs::read_to_string(&private).unwrap())
        .unwrap()["keys"][0]["d"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = orgwarden(&["token", "sign", "--key", s(&private)], "not json");
    assert!(!r.stdout.contains(&secret) && !r.stderr.contains(&secret));
}

#[test]
fn proxy_check_validates_a_configuration_as_the_worker_does() {
    let good = r#"{"tenant": "acme", "routes": [{"methods": ["GET"], "path": "/apps/{app}/**", "entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_APPLICATION_INFO"]}, {"methods": ["GET"], "path": "/status", "public": true}]}"#;
    let ok = orgwarden(&["proxy", "check", "-"], good);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(ok.json()["routes"], 2);
    assert_eq!(ok.json()["default_tenant"], "acme");
    let bad = r#"{"tenant": "acme", "routes": [{"methods": ["GET"], "path": "/a/**/b", "public": true}]}"#;
    let refused = orgwarden(&["proxy", "check"], bad);
    assert_eq!(refused.code, 1);
    assert_eq!(refused.json()["code"], "config_invalid");
    assert!(refused.json()["message"]
        .as_str()
        .unwrap()
        .contains("rule 1 (/a/**/b)"));
}

/// Every command has its `--help` (exit 0, on stdout): the whole tree,
/// walked from `orgwarden help`'s own listing.
#[test]
fn help_on_every_command_and_completions() {
    fn commands(r: &str) -> Vec<String> {
        r.split("Commands:\n")
            .nth(1)
            .map(|rest| {
                rest.lines()
                    .take_while(|l| !l.trim().is_empty())
                    .filter_map(|l| l.split_whitespace().next())
                    .filter(|c| *c != "help")
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
    let mut todo: Vec<Vec<String>> = vec![vec![]];
    let mut seen = 0;
    while let Some(path) = todo.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let r = orgwarden(&args, "");
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(
            r.stdout.contains("Usage: orgwarden"),
            "{args:?}: {}",
            r.stdout
        );
        seen += 1;
        for c in commands(&r.stdout) {
            let mut next = path.clone();
            next.push(c);
            todo.push(next);
        }
    }
    // Every leaf of the tree: tools, login, and the admin API's commands.
    assert!(seen > 100, "only {seen} commands");
    for shell in ["bash", "zsh", "fish"] {
        let r = orgwarden(&["completions", shell], "");
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(
            r.stdout.contains("keygen") && r.stdout.contains("verify"),
            "{shell}"
        );
    }
    let r = orgwarden(&["completions", "tcsh"], "");
    assert_eq!(r.code, 2);
}
