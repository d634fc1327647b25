// The example origin API for `bash scripts/dev.sh`: answers every request
// with what it received (method, path, headers, body size), so the identity
// headers the proxy adds can be seen. Listens on 127.0.0.1:8788 (ORIGIN_PORT).
import { startOrigin } from '../tests/worker/origin.mjs';

const origin = await startOrigin({ port: Number(process.env.ORIGIN_PORT ?? 8788) });
console.log(`example origin API on ${origin.url}`);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, async () => { await origin.close(); process.exit(0); });
