// The benchmark's origin in its own process, so that it does not share the
// load generator's event loop: prints its URL on stdout, stops on SIGTERM.
import { startOrigin } from '../tests/worker/origin.mjs';

const origin = await startOrigin();
process.stdout.write(`${origin.url}\n`);
process.on('SIGTERM', async () => { await origin.close(); process.exit(0); });
