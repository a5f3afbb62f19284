import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { freePort } from './instance.ts';

export interface Faults {
	/** Answer every n-th request with `status` (and Retry-After: `retryAfterSeconds`) instead of forwarding it. */
	failEvery?: number;
	status?: number;
	retryAfterSeconds?: number;
	/** Reset the connection of every n-th request before it reaches the destination. */
	resetEvery?: number;
	/** Reset the connection of every n-th request after the destination handled it (the answer is lost). */
	loseAnswerEvery?: number;
	/** Delay every request by this much. */
	latencyMs?: number;
	/**
	 * Reset the connection after the destination handled a request with this method whose path (with
	 * query) matches, `times` times (counted down here): that request was applied and its answer lost.
	 */
	loseAnswerOf?: { method: string; path: RegExp; times: number };
	/** Answer `status` instead of forwarding a request with this method whose path matches, `times` times. */
	failOf?: { method: string; path: RegExp; status: number; times: number };
	/**
	 * Drop the connection of a request with this method whose path matches once `afterBytes` of its
	 * body have been forwarded, `times` times: the connection is lost mid-upload, on both sides.
	 */
	cutBodyOf?: { method: string; path: RegExp; afterBytes: number; times: number };
	/** Forward request bodies at most this fast (a slow link): a large upload then takes long while bytes keep moving. */
	bodyBytesPerSecond?: number;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of a destination, that injects faults: error answers, resets
 * before or after forwarding, latency, and going away entirely (connections refused) for a while.
 */
export class FaultProxy {
	readonly counts = { requests: 0, failed: 0, reset: 0, answersLost: 0, cut: 0, bodyBytes: 0 };
	faults: Faults = {};
	private server: Server | null = null;
	private readonly sockets = new Set<Socket>();
	private readonly target: URL;
	port = 0;

	constructor(target: string) {
		this.target = new URL(target);
	}

	get url(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	async start(): Promise<this> {
		this.port ||= await freePort();
		this.server = createServer((incoming, outgoing) => void this.handle(incoming, outgoing));
		this.server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
		return this;
	}

	/** Stops listening and drops every open connection: the destination is gone. */
	async goAway(): Promise<void> {
		const server = this.server;
		this.server = null;
		for (const socket of this.sockets) socket.destroy();
		if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
	}

	async stop(): Promise<void> {
		await this.goAway();
	}

	private async handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
		const number = ++this.counts.requests;
		const { failEvery, status = 503, retryAfterSeconds, resetEvery, loseAnswerEvery, latencyMs } = this.faults;
		if (latencyMs) await new Promise((resolve) => setTimeout(resolve, latencyMs));
		if (resetEvery && number % resetEvery === 0) {
			this.counts.reset++;
			incoming.socket.destroy();
			return;
		}
		const targeted = this.faults.failOf;
		const failTargeted =
			targeted !== undefined && targeted.times > 0 && incoming.method === targeted.method && targeted.path.test(incoming.url ?? '') && targeted.times-- > 0;
		if ((failEvery && number % failEvery === 0) || failTargeted) {
			this.counts.failed++;
			incoming.resume();
			const headers: Record<string, string> = { 'Content-Type': 'application/json' };
			if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
			outgoing.writeHead(failTargeted ? targeted.status : status, headers);
			outgoing.end(JSON.stringify({ errors: [{ message: 'Injected fault', extensions: { code: 'INJECTED' } }] }));
			return;
		}
		const forwarded = request(
			{
				host: this.target.hostname,
				port: this.target.port,
				method: incoming.method,
				path: incoming.url,
				headers: { ...incoming.headers, host: this.target.host },
			},
			(answer) => {
				const targeted = this.faults.loseAnswerOf;
				const lose =
					(loseAnswerEvery !== undefined && number % loseAnswerEvery === 0) ||
					(targeted !== undefined && targeted.times > 0 && incoming.method === targeted.method && targeted.path.test(incoming.url ?? '') && targeted.times-- > 0);
				if (lose) {
					this.counts.answersLost++;
					answer.resume();
					answer.on('end', () => incoming.socket.destroy());
					return;
				}
				outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(outgoing);
			},
		);
		forwarded.on('error', () => incoming.socket.destroy());
		const cut = this.faults.cutBodyOf;
		const cutThis =
			cut !== undefined && cut.times > 0 && incoming.method === cut.method && cut.path.test(incoming.url ?? '') && cut.times-- > 0;
		let forwardedBytes = 0;
		let dropped = false;
		let ended = false;
		let throttled = 0;
		incoming.on('data', (chunk: Buffer) => {
			if (dropped) return;
			if (cutThis && forwardedBytes + chunk.length > cut!.afterBytes) {
				dropped = true;
				const part = cut!.afterBytes - forwardedBytes;
				if (part > 0) forwarded.write(chunk.subarray(0, part));
				forwardedBytes += Math.max(part, 0);
				this.counts.bodyBytes += Math.max(part, 0);
				this.counts.cut++;
				incoming.pause();
				// Let the forwarded part reach the destination before both connections go.
				setTimeout(() => {
					forwarded.destroy();
					incoming.socket.destroy();
				}, 200);
				return;
			}
			forwardedBytes += chunk.length;
			this.counts.bodyBytes += chunk.length;
			const rate = this.faults.bodyBytesPerSecond;
			if (rate) {
				incoming.pause();
				throttled++;
				setTimeout(() => {
					throttled--;
					const flowing = forwarded.write(chunk);
					if (ended && throttled === 0) forwarded.end();
					else if (flowing) incoming.resume();
					else forwarded.once('drain', () => incoming.resume());
				}, (chunk.length / rate) * 1000);
				return;
			}
			if (!forwarded.write(chunk)) {
				incoming.pause();
				forwarded.once('drain', () => incoming.resume());
			}
		});
		incoming.on('end', () => {
			ended = true;
			// A throttled chunk still waiting is written first; it ends the request then.
			if (!dropped && throttled === 0) forwarded.end();
		});
	}
}
