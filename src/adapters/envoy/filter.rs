//! One request through the filter. On the request's headers the gate
//! [`starts`](Gate::start); each [`Step::Need`] becomes call-outs to the
//! directory cluster (or answers from shared data), the request pauses, and
//! each call-out's callback [`supplies`](Gate::supply) its fact; when none
//! is outstanding the gate advances again. The verdict is applied in
//! place: refusals answered with the edge's status, problem document and
//! `WWW-Authenticate`; passes forwarded with the canonical path, without
//! what the edge drops and with the identity headers.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::UNIX_EPOCH;

use proxy_wasm::traits::{Context, HttpContext};
use proxy_wasm::types::Action;

use super::config::FilterConfig;
use super::keys::{call, install_keys, Keys, JWKS_PATH};
use super::request::Incoming;
use super::shared;
use crate::auth::Denial;
use crate::model::facts::{Fact, FactError, Need};
use crate::proxy::remote::{directory_path, read_answer};
use crate::proxy::{Decision, Gate, Outcome, Pending, Started, Step, Trace, Verdict};

/// At most this many rounds of facts per request (a decision needs three).
const MAX_ROUNDS: usize = 8;

/// What the request waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiting {
    Nothing,
    Keys(u32),
    Facts,
}

/// One request.
pub struct Filter {
    config: Rc<FilterConfig>,
    keys: Rc<RefCell<Keys>>,
    request: Incoming,
    gate: Option<Rc<Gate>>,
    pending: Option<Box<Pending>>,
    outstanding: BTreeMap<u32, Need>,
    waiting: Waiting,
    rounds: usize,
}

impl core::fmt::Debug for Filter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Filter")
            .field("request", &self.request)
            .field("waiting", &self.waiting)
            .field("outstanding", &self.outstanding)
            .finish_non_exhaustive()
    }
}

impl Filter {
    /// A filter for one request.
    pub fn new(config: Rc<FilterConfig>, keys: Rc<RefCell<Keys>>) -> Filter {
        Filter {
            config,
            keys,
            request: Incoming::default(),
            gate: None,
            pending: None,
            outstanding: BTreeMap::new(),
            waiting: Waiting::Nothing,
            rounds: 0,
        }
    }

    fn now_ms(&self) -> i64 {
        self.get_current_time()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    fn call(&self, path: &str, bearer: bool) -> Result<u32, FactError> {
        call(&self.config, path, bearer)
    }

    /// Makes sure the VM has a gate with fresh keys; `Pause` while they are fetched.
    fn ensure_gate(&mut self) -> Option<Action> {
        let now = self.now_ms();
        let (gate, fresh) = {
            let k = self.keys.borrow();
            (k.gate.clone(), !k.stale(now))
        };
        if let (Some(g), true) = (&gate, fresh) {
            self.gate = Some(Rc::clone(g));
            return None;
        }
        match self.call(JWKS_PATH, false) {
            Ok(token) => {
                self.waiting = Waiting::Keys(token);
                Some(Action::Pause)
            }
            // Stale keys still decide while new ones cannot be had.
            Err(_) if gate.is_some() => {
                self.gate = gate;
                None
            }
            Err(e) => Some(self.deny(&Denial::unavailable(e))),
        }
    }

    /// The deployment's keys arrived (or not).
    fn keys_arrived(&mut self, status: Option<u16>, body: &[u8]) -> Action {
        install_keys(&self.keys, &self.config, status, body, self.now_ms());
        self.gate = self.keys.borrow().gate.clone();
        match self.gate.is_some() {
            true => self.decide(),
            false => self.deny(&Denial::unavailable("the deployment's keys")),
        }
    }

    /// Starts the decision (the gate is there).
    fn decide(&mut self) -> Action {
        let Some(gate) = self.gate.clone() else {
            return self.deny(&Denial::unavailable("no gate"));
        };
        match gate.start(&self.request.for_gate(), self.now_ms()) {
            Started::Done(d) => self.apply(&d),
            Started::Pending(p) => {
                self.pending = Some(p);
                self.step(&gate)
            }
        }
    }

    /// Advances until decided or waiting for call-outs.
    fn step(&mut self, gate: &Gate) -> Action {
        let Some(mut pending) = self.pending.take() else {
            return self.deny(&Denial::unavailable("no decision in progress"));
        };
        loop {
            self.rounds += 1;
            if self.rounds > MAX_ROUNDS {
                return self.deny(&Denial::unavailable("the decision did not settle"));
            }
            let now = self.now_ms();
            let needs = match gate.advance(&mut pending, now) {
                Step::Done(d) => return self.apply(&d),
                Step::Need(needs) => needs,
            };
            for need in needs {
                self.fetch(gate, &mut pending, need, now);
            }
            if !self.outstanding.is_empty() {
                self.pending = Some(pending);
                self.waiting = Waiting::Facts;
                return Action::Pause;
            }
        }
    }

    /// Supplies `need` from shared data, or sends its call-out.
    fn fetch(&mut self, gate: &Gate, pending: &mut Pending, need: Need, now: i64) {
        let Some(path) = directory_path(&need) else {
            // A filter reaches clusters only: external issuers' keys are static.
            gate.supply(pending, need, Ok(Fact::Jwks(None)), now);
            return;
        };
        if let Some(json) = shared::get(&path, now, gate.config().cache_ttl_ms) {
            let fact = Fact::from_json(&need, &json);
            gate.supply(pending, need, fact, now);
            return;
        }
        match self.call(&path, true) {
            Ok(token) => {
                self.outstanding.insert(token, need);
            }
            Err(e) => gate.supply(pending, need, Err(e), now),
        }
    }

    /// A fact's call-out answered.
    fn fact_arrived(&mut self, token: u32, status: Option<u16>, body: &[u8]) -> Option<Action> {
        let need = self.outstanding.remove(&token)?;
        let gate = self.gate.clone()?;
        let now = self.now_ms();
        let fact = match status {
            Some(s) => read_answer(&need, s, body),
            None => Err(FactError("the directory's answer had no status".into())),
        };
        if let (Ok(_), Some(path)) = (&fact, directory_path(&need)) {
            shared::put(&path, now, body);
        }
        gate.supply(self.pending.as_mut()?, need, fact, now);
        self.outstanding.is_empty().then(|| self.step(&gate))
    }

    fn deny(&self, d: &Denial) -> Action {
        self.apply(&Decision {
            outcome: Outcome::Deny(d.clone()),
            trace: Trace::default(),
        })
    }

    /// Applies a decision to the request: answer it, or change it and go on.
    fn apply(&self, decision: &Decision) -> Action {
        let names = self.request.names();
        let keep = self
            .gate
            .as_ref()
            .is_some_and(|g| g.config().forward_credential);
        match Verdict::of(decision, names, keep) {
            Verdict::Deny(d) => {
                let mut headers = vec![("content-type", "application/problem+json")];
                if let Some(w) = d.www_authenticate.as_deref() {
                    headers.push(("www-authenticate", w));
                }
                self.send_http_response(u32::from(d.status), headers, Some(d.body.as_bytes()));
                Action::Pause
            }
            Verdict::Allow(a) => {
                self.forward(&a);
                Action::Continue
            }
        }
    }

    /// Rewrites the request's headers as the verdict says, in one call.
    fn forward(&self, a: &crate::proxy::Allow) {
        let path = self.request.upstream_path(&a.path);
        self.set_http_request_headers(self.request.rewritten(a, &path));
    }
}

impl Context for Filter {
    fn on_http_call_response(
        &mut self,
        token: u32,
        _headers: usize,
        body_size: usize,
        _trailers: usize,
    ) {
        let status = self
            .get_http_call_response_header(":status")
            .and_then(|s| s.parse::<u16>().ok());
        let body = self
            .get_http_call_response_body(0, body_size)
            .unwrap_or_default();
        let action = match self.waiting {
            Waiting::Keys(t) if t == token => {
                self.waiting = Waiting::Nothing;
                Some(self.keys_arrived(status, &body))
            }
            Waiting::Facts => self.fact_arrived(token, status, &body),
            _ => None,
        };
        if action == Some(Action::Continue) {
            self.resume_http_request();
        }
    }
}

impl HttpContext for Filter {
    fn on_http_request_headers(&mut self, _count: usize, _end_of_stream: bool) -> Action {
        self.request = Incoming::read(self.get_http_request_headers_bytes());
        if let Some(action) = self.ensure_gate() {
            return action;
        }
        self.decide()
    }
}
