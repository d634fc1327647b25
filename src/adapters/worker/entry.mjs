// The worker's entry module (build/index.js, copied there by
// scripts/build-worker.sh). worker-build's own entry wraps the handlers in a
// `WorkerEntrypoint` class: the runtime constructs one per request and its
// `async fetch` awaits the handler's promise, a microtask more. The handlers
// here are the wasm exports themselves, as a JavaScript worker's would be
// (docs/performance.md: 16-25 µs less workerd CPU per proxied request in two
// load runs). Nothing calls the worker through RPC, which is all the class
// adds.
import { fetch as handleFetch, queue as handleQueue, TenantWriter } from './worker/shim.mjs';

export { TenantWriter };

export default {
  fetch(request, env, ctx) {
    return handleFetch(request, env, ctx);
  },
  queue(batch, env, ctx) {
    return handleQueue(batch, env, ctx);
  },
};
