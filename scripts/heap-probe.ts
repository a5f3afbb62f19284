/**
 * The live heap of a Node process after a full garbage collection, read through its inspector
 * (started with `--inspect=127.0.0.1:PORT`): what the process really holds, unlike its RSS, which
 * keeps what V8 once reserved. Used by `npm run bench` to show whether the source's memory grows with
 * the table size.
 */
export class HeapProbe {
	private readonly socket: WebSocket;
	private nextId = 1;
	private readonly pending = new Map<number, (result: Record<string, unknown>) => void>();

	private constructor(socket: WebSocket) {
		this.socket = socket;
		socket.addEventListener('message', (event) => {
			const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown> };
			if (message.id !== undefined) this.pending.get(message.id)?.(message.result ?? {});
			this.pending.delete(message.id ?? -1);
		});
	}

	static async connect(port: number): Promise<HeapProbe> {
		const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
		const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
		await new Promise((resolve, reject) => {
			socket.addEventListener('open', resolve, { once: true });
			socket.addEventListener('error', reject, { once: true });
		});
		return new HeapProbe(socket);
	}

	private send(method: string): Promise<Record<string, unknown>> {
		const id = this.nextId++;
		return new Promise((resolve) => {
			this.pending.set(id, resolve);
			this.socket.send(JSON.stringify({ id, method }));
		});
	}

	/** Bytes of live objects after a full collection. */
	async heapAfterGc(): Promise<number> {
		await this.send('HeapProfiler.collectGarbage');
		const usage = await this.send('Runtime.getHeapUsage');
		return Number(usage['usedSize']);
	}

	/** The largest heap after GC seen every `intervalMs` while `work` runs, and `work`'s result. */
	async peakWhile<T>(work: Promise<T>, intervalMs = 2000): Promise<{ result: T; peakBytes: number }> {
		let peakBytes = await this.heapAfterGc();
		let done = false;
		const sampling = (async () => {
			while (!done) {
				await new Promise((resolve) => setTimeout(resolve, intervalMs));
				if (!done) peakBytes = Math.max(peakBytes, await this.heapAfterGc());
			}
		})();
		try {
			return { result: await work, peakBytes };
		} finally {
			done = true;
			await sampling;
		}
	}

	close(): void {
		this.socket.close();
	}
}
