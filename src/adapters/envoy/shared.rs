//! Facts cached across Envoy's worker threads: each VM has its own gate and
//! cache, and shared data (per `vm_id`, across workers) holds every fact
//! fetched with the time it was fetched, so one worker's call-out serves
//! the others for the same TTL. Keys are the facts' directory paths; values
//! `<fetched ms>\n<JSON>`. Last writer wins (no compare-and-swap needed:
//! every writer writes a fresh copy). Shared data cannot be deleted, so it
//! holds at most one entry per fact ever needed; docs/envoy.md says so.

use proxy_wasm::hostcalls;

const PREFIX: &str = "orgwarden:fact:";

/// The JSON of the fact at `path` if it was fetched less than `ttl_ms` ago.
pub fn get(path: &str, now_ms: i64, ttl_ms: i64) -> Option<String> {
    let (bytes, _) = hostcalls::get_shared_data(&format!("{PREFIX}{path}")).ok()?;
    let text = String::from_utf8(bytes?).ok()?;
    let (at, json) = text.split_once('\n')?;
    let at: i64 = at.parse().ok()?;
    (now_ms.saturating_sub(at) < ttl_ms && at <= now_ms).then(|| json.to_owned())
}

/// Records the fact at `path`, fetched at `now_ms`.
pub fn put(path: &str, now_ms: i64, json: &[u8]) {
    let mut value = format!("{now_ms}\n").into_bytes();
    value.extend_from_slice(json);
    if let Err(e) = hostcalls::set_shared_data(&format!("{PREFIX}{path}"), Some(&value), None) {
        log::warn!("orgwarden: shared data not written: {e:?}");
    }
}
