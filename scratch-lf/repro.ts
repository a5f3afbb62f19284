import { createServer } from 'node:http';
import { createReadStream, writeFileSync, existsSync } from 'node:fs';
import { DestinationClient } from '../src/lib/destination/client.ts';
import { networkPolicyFrom } from '../src/lib/destination/network-policy.ts';
import { multipartContentType, multipartStream, newBoundary } from '../src/lib/files/multipart.ts';

const FILE = '/tmp/lf/big.bin';
const SIZE = 200 * 1024 * 1024;
if (!existsSync(FILE)) { const { execSync } = await import('node:child_process'); execSync(`head -c ${SIZE} /dev/urandom > ${FILE}`); }

const server = createServer((req, res) => {
	let n = 0;
	// slow consumer: pause periodically
	req.on('data', (c) => { n += c.length; req.pause(); setTimeout(() => req.resume(), 1); });
	req.on('end', () => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ data: { id: 'x', n } })); });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as any).port;
const client = new DestinationClient({ url: `http://127.0.0.1:${port}`, host: 'h', token: 't', retries: 0, requestsPerSecond: 0, timeoutMs: 30000, policy: networkPolicyFrom({ IMPORT_IP_DENY_LIST: '169.254.169.254' }) });
let peak = 0; const base = process.memoryUsage().rss;
const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss - base); }, 50);
const boundary = newBoundary();
const started = Date.now();
const result = await client.send<any>({ method: 'POST', path: '/files', headers: { 'Content-Type': multipartContentType(boundary) }, body: () => multipartStream(boundary, { a: 'b' }, { filename: 'f', type: 'application/octet-stream', open: async () => createReadStream(FILE) }) });
clearInterval(timer);
console.log('result', result, 'peak rise MB', (peak / 1048576).toFixed(1), 's', (Date.now() - started) / 1000);
server.close();
process.exit(0);
