//! The plugin's root context: its configuration, checked when Envoy loads
//! it, and the VM's gate, whose keys it keeps fresh on a one-second tick so
//! that requests seldom wait for them.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, UNIX_EPOCH};

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{ContextType, LogLevel};

use super::config::FilterConfig;
use super::filter::Filter;
use super::keys::{call, install_keys, Keys, JWKS_PATH};

proxy_wasm::main! {{
    // Also installs a panic hook that logs the panic; Envoy's failure
    // policy (fail closed by default) decides what happens next.
    proxy_wasm::set_log_level(LogLevel::Warn);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root::default()) });
}}

/// The plugin: its configuration and the VM's gate, shared by every
/// request of this worker thread.
#[derive(Debug, Default)]
pub struct Root {
    config: Option<Rc<FilterConfig>>,
    keys: Rc<RefCell<Keys>>,
    /// The root's own key fetch in flight, if any.
    fetching: Option<u32>,
}

impl Root {
    fn now_ms(&self) -> i64 {
        self.get_current_time()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

impl Context for Root {
    fn on_http_call_response(
        &mut self,
        token: u32,
        _headers: usize,
        size: usize,
        _trailers: usize,
    ) {
        if self.fetching != Some(token) {
            return;
        }
        self.fetching = None;
        let status = self
            .get_http_call_response_header(":status")
            .and_then(|s| s.parse::<u16>().ok());
        let body = self
            .get_http_call_response_body(0, size)
            .unwrap_or_default();
        if let Some(config) = &self.config {
            install_keys(&self.keys, config, status, &body, self.now_ms());
        }
    }
}

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        let bytes = self.get_plugin_configuration().unwrap_or_default();
        match FilterConfig::parse(&bytes) {
            Ok(c) => {
                self.config = Some(Rc::new(c));
                // A new configuration: a new gate.
                self.keys = Rc::new(RefCell::new(Keys::default()));
                self.set_tick_period(Duration::from_secs(1));
                true
            }
            Err(e) => {
                // Envoy refuses the configuration and says why.
                log::error!("orgwarden: {e}");
                false
            }
        }
    }

    fn on_tick(&mut self) {
        let (Some(config), None) = (&self.config, self.fetching) else {
            return;
        };
        if self.keys.borrow().stale(self.now_ms()) {
            self.fetching = call(config, JWKS_PATH, false).ok();
        }
    }

    fn create_http_context(&self, _id: u32) -> Option<Box<dyn HttpContext>> {
        let config = Rc::clone(self.config.as_ref()?);
        Some(Box::new(Filter::new(config, Rc::clone(&self.keys))))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}
