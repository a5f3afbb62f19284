import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
	method: string;
	path: string;
	authorization: string | undefined;
	body: string;
}

/**
 * An HTTP server on one loopback address (127.0.0.2, 127.0.0.3, …: Linux answers on the whole
 * 127.0.0.0/8 without configuration) that records every request it receives, as an attacker's server
 * would, and answers with `answer` (default: a plain 200 page that is not Directus).
 */
export class CaptureServer {
	readonly received: CapturedRequest[] = [];
	private server: Server | null = null;
	private readonly address: string;
	private readonly answer: (request: IncomingMessage, response: ServerResponse) => void;

	constructor(address: string, answer?: (request: IncomingMessage, response: ServerResponse) => void) {
		this.address = address;
		this.answer =
			answer ??
			((_request, response) => {
				response.writeHead(200, { 'Content-Type': 'text/html' });
				response.end('<html><body>captured</body></html>');
			});
	}

	async start(): Promise<this> {
		this.server = createServer((request, response) => {
			let body = '';
			request.on('data', (chunk) => (body += chunk));
			request.on('end', () => {
				this.received.push({ method: request.method ?? '', path: request.url ?? '', authorization: request.headers.authorization, body });
				this.answer(request, response);
			});
		});
		await new Promise<void>((resolve, reject) => {
			this.server!.once('error', reject);
			this.server!.listen(0, this.address, () => resolve());
		});
		return this;
	}

	get url(): string {
		const { port } = this.server!.address() as AddressInfo;
		return `http://${this.address}:${port}`;
	}

	/** Everything received, as text, to search for a leaked value. */
	get transcript(): string {
		return JSON.stringify(this.received);
	}

	async stop(): Promise<void> {
		await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
	}
}
