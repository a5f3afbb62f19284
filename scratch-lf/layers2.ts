import { createServer, request } from 'node:http';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { fetch as undiciFetch, Agent } from 'undici';
const FILE = '/tmp/lf/big.bin';
const server = createServer((req, res) => {
	let n = 0;
	req.on('data', (c) => { n += c.length; req.pause(); setTimeout(() => req.resume(), 1); });
	req.on('end', () => { res.end(JSON.stringify({ n })); });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as any).port;
const mode = process.argv[2];
let peak = 0, peakAB = 0, peakHeap = 0; const base = process.memoryUsage().rss;
const timer = setInterval(() => { if (process.env.GC) (globalThis as any).gc(); const m = process.memoryUsage(); peak = Math.max(peak, m.rss - base); peakAB = Math.max(peakAB, m.arrayBuffers); peakHeap = Math.max(peakHeap, m.heapUsed); }, 50);
const t = Date.now();
let out = '';
if (mode === 'core') {
	await new Promise<void>((resolve, reject) => {
		const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/' }, (res) => { res.on('data', (d) => (out += d)); res.on('end', () => resolve()); });
		req.on('error', reject);
		createReadStream(FILE).pipe(req);
	});
} else if (mode === 'request') {
	const { request: ureq } = await import('undici');
	async function* gen2() { for await (const c of createReadStream(FILE)) yield c; }
	const r = await ureq(`http://127.0.0.1:${port}/`, { method: 'POST', body: gen2(), dispatcher: new Agent() } as any);
	out = await r.body.text();
} else if (mode === 'requestStream') {
	const { request: ureq } = await import('undici');
	const r = await ureq(`http://127.0.0.1:${port}/`, { method: 'POST', body: createReadStream(FILE), dispatcher: new Agent() } as any);
	out = await r.body.text();
} else {
	async function* gen() { for await (const c of createReadStream(FILE)) yield c; }
	const r = await undiciFetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: gen(), duplex: 'half', redirect: process.env.REDIRECT ?? 'follow', dispatcher: new Agent() } as any);
	out = await r.text();
}
console.log(mode, out, 'peak rise MB', (peak / 1048576).toFixed(1), 'ab', (peakAB / 1048576).toFixed(1), 'heap', (peakHeap/1048576).toFixed(1), (Date.now() - t) / 1000);
clearInterval(timer); server.close(); process.exit(0);
