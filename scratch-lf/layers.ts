import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
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
async function* gen() { for await (const c of createReadStream(FILE)) yield new Uint8Array(c); }
let body: any;
if (mode === 'toWeb') body = Readable.toWeb(Readable.from(gen()));
if (mode === 'toWebFs') body = Readable.toWeb(createReadStream(FILE));
if (mode === 'pull') { const it = gen(); body = new ReadableStream({ async pull(c) { const { value, done } = await it.next(); if (done) c.close(); else c.enqueue(value); } }, { highWaterMark: 0 }); }
if (mode === 'iter') body = gen();
if (mode === 'pipeThrough') body = Readable.toWeb(Readable.from(gen())).pipeThrough(new TransformStream());
let peak = 0; const base = process.memoryUsage().rss;
const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss - base); }, 50);
const t = Date.now();
const fetchImpl = process.argv[3] === 'global' ? fetch : undiciFetch;
const r = await fetchImpl(`http://127.0.0.1:${port}/`, { method: 'POST', body, duplex: 'half', ...(process.argv[3] === 'global' ? {} : { dispatcher: new Agent() }) } as any);
console.log(mode, process.argv[3] ?? 'undici', await r.text(), 'peak rise MB', (peak / 1048576).toFixed(1), (Date.now() - t) / 1000);
clearInterval(timer); server.close(); process.exit(0);
