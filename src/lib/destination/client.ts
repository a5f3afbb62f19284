import { createDirectus, rest, staticToken, type RestCommand } from '@directus/sdk';
import pLimit, { type LimitFunction } from 'p-limit';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Agent, FormData, fetch as undiciFetch } from 'undici';
import type { Destination } from '../options/destination.js';
import type { WriteJournal } from '../runs/journal.js';
import { MigrationError } from '../errors.js';
import { failureFromNetwork, failureFromRedirect, failureFromResponse } from './failures.js';
import { guardedLookup, type NetworkPolicy } from './network-policy.js';
import { DEFAULT_RETRY_POLICY, sleep, withRetries, type LostAnswer, type RetryPolicy } from './retry.js';
import { REST_PATH, type WritePath } from '../write/write-path.js';

export interface RequestStats {
	requests: number;
	retries: number;
}

/**
 * One request budget per destination URL in this process: a concurrency limit and a pacer shared by
 * every client (every operation, every Flow run) talking to that destination. The budget is set by
 * the first client built while the destination is idle (no request running, queued or paced) and is
 * never rewritten while in use: a client built during another run joins that run's budget.
 */
interface RequestBudget {
	limit: LimitFunction;
	pacer: RequestPacer;
}

const budgets = new Map<string, RequestBudget>();

export function budgetFor(url: string, settings: { concurrency: number; requestsPerSecond: number }): RequestBudget {
	const current = budgets.get(url);
	if (current && !(current.limit.activeCount === 0 && current.limit.pendingCount === 0 && current.pacer.idle)) return current;
	const budget = { limit: pLimit(settings.concurrency), pacer: new RequestPacer(settings.requestsPerSecond) };
	budgets.set(url, budget);
	return budget;
}

/**
 * One connection pool per network policy: every connection it opens resolves the host again and is
 * refused when an address is denied (a name that resolved to an allowed address when the run began
 * cannot be pointed elsewhere afterwards).
 */
const dispatchers = new Map<string, Agent>();

function dispatcherFor(policy: NetworkPolicy): Agent {
	const key = JSON.stringify(policy);
	let agent = dispatchers.get(key);
	if (!agent) {
		agent = new Agent({ connect: { lookup: guardedLookup(policy) } });
		dispatchers.set(key, agent);
	}
	return agent;
}

/** Spaces request starts so that no more than `perSecond` begin in any second (0 = no limit). */
export class RequestPacer {
	private nextStart = 0;
	readonly perSecond: number;

	constructor(perSecond: number) {
		this.perSecond = perSecond;
	}

	/** No start is waiting for its turn. */
	get idle(): boolean {
		return this.nextStart <= Date.now();
	}

	async wait(): Promise<void> {
		if (this.perSecond <= 0) return;
		const now = Date.now();
		const start = Math.max(now, this.nextStart);
		this.nextStart = start + 1000 / this.perSecond;
		if (start > now) await sleep(start - now);
	}
}

/**
 * Aborts a request after `ms` of silence: no byte of the request body sent and no byte of the answer
 * received for that long. A large upload that keeps moving bytes is never cut off by its duration.
 */
class SilenceTimeout {
	private readonly controller = new AbortController();
	private timer: ReturnType<typeof setTimeout> | undefined;
	private readonly ms: number;

	constructor(ms: number) {
		this.ms = ms;
		this.touch();
	}

	get signal(): AbortSignal {
		return this.controller.signal;
	}

	touch(): void {
		clearTimeout(this.timer);
		this.timer = setTimeout(
			() => this.controller.abort(new DOMException(`no bytes moved for ${this.ms / 1000} s`, 'TimeoutError')),
			this.ms,
		);
		this.timer.unref?.();
	}

	stop(): void {
		clearTimeout(this.timer);
	}

	/** `stream` passed through, touching the timer at every chunk and stopping it at the end. */
	watch(stream: ReadableStream<Uint8Array>, stopAtEnd: boolean): ReadableStream<Uint8Array> {
		return stream.pipeThrough(
			new TransformStream<Uint8Array, Uint8Array>({
				transform: (chunk, controller) => {
					this.touch();
					controller.enqueue(chunk);
				},
				flush: () => {
					if (stopAtEnd) this.stop();
					else this.touch();
				},
			}),
		);
	}
}

/** Where a request's fetch options carry the caller's `onHeaders` (see send). */
const ON_HEADERS = Symbol('onHeaders');

/**
 * undici's fetch under `redirect: 'error'` answers a redirect with a network error whose cause is
 * the spec's reason text; it has no code of its own, so that text is the only thing to tell it by.
 */
function isUnexpectedRedirect(error: unknown): boolean {
	return (error as { cause?: { message?: string } })?.cause?.message === 'unexpected redirect';
}

/**
 * The only way this bundle talks to the destination: `@directus/sdk` with a static token, every call
 * behind the shared concurrency limit, the request pacer and the retry policy, every failure turned
 * into a MigrationError. The token lives here and nowhere else.
 */
export class DestinationClient {
	readonly url: string;
	readonly host: string;
	readonly stats: RequestStats = { requests: 0, retries: 0 };
	/**
	 * The destination's clock minus ours, in ms, from the Date headers of its answers (whole seconds:
	 * at most a second below the true offset); undefined before the first answer.
	 */
	clockOffsetMs: number | undefined;
	/** A writing run's record of what it changes (for migration-rollback); DestinationItems reports its writes to it. */
	journal: WriteJournal | null = null;
	/**
	 * While a run reads before taking the destination's lease (see DestinationLease.atFirstWrite): a
	 * request that changes the destination is refused here, unsent, instead of being written unheld.
	 */
	writesNeedLease = false;
	/** Requests started so far (every attempt), and those under way: which answer came after every other read. */
	private started = 0;
	private underWay = 0;
	/** The lease as the latest answer that carried it saw it (leaseInAnswer), with when that request started. */
	private leaseWitness: { started: number; alone: boolean; seen: unknown } | null = null;
	/** How item writes travel (see WritePath): set once per run, after the receiver was looked for. */
	writePath: WritePath = REST_PATH;
	private readonly sdk;
	private readonly fetchBytes: (path: string) => Promise<Response>;
	private readonly budget: RequestBudget;
	private readonly retryPolicy: RetryPolicy;

	/** Further attempts after the first that a request may make (for callers that resume on their own: uploads). */
	get retries(): number {
		return this.retryPolicy.retries;
	}

	constructor(destination: Destination, options: { concurrency?: number; retryPolicy?: Partial<RetryPolicy> } = {}) {
		this.url = destination.url;
		this.host = destination.host;
		this.budget = budgetFor(destination.url, { concurrency: options.concurrency ?? 4, requestsPerSecond: destination.requestsPerSecond });
		this.retryPolicy = { ...DEFAULT_RETRY_POLICY, retries: destination.retries, ...options.retryPolicy };
		const timeoutMs = destination.timeoutMs;
		const dispatcher = dispatcherFor(destination.policy);

		const destinationFetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
			const what = `${init.method ?? 'GET'} ${new URL(String(input)).pathname}`;
			const silence = new SilenceTimeout(timeoutMs);
			const streaming = init.body instanceof ReadableStream;
			let response: Response;
			try {
				// Redirects are never followed: the token would go along to wherever they point. A streamed
				// body says `error` rather than `manual`: for any other mode undici's fetch clones the request
				// (to replay it after a redirect), and the clone's tee keeps every chunk of the body read so
				// far, so a 2 GB upload held 2 GB in this process. With `error` the body streams with
				// backpressure, and a redirect answer is a network error of its own (below).
				response = (await undiciFetch(String(input), {
					...init,
					redirect: streaming ? 'error' : 'manual',
					dispatcher,
					signal: silence.signal,
					...(streaming ? { body: silence.watch(init.body as ReadableStream<Uint8Array>, false), duplex: 'half' } : {}),
				} as Parameters<typeof undiciFetch>[1])) as unknown as Response;
			} catch (error) {
				silence.stop();
				if (streaming && isUnexpectedRedirect(error)) throw failureFromRedirect(null, what);
				throw failureFromNetwork(error, what);
			}
			const date = Date.parse(response.headers.get('date') ?? '');
			// The header is the destination's time rounded down to the second: the largest offset seen is the closest.
			if (!Number.isNaN(date)) this.clockOffsetMs = Math.max(this.clockOffsetMs ?? -Infinity, date - Date.now());
			if (response.status >= 300 && response.status < 400) {
				silence.stop();
				throw failureFromRedirect(response, what);
			}
			if (!response.ok) {
				silence.stop();
				throw await failureFromResponse(response, what);
			}
			(init as { [ON_HEADERS]?: (headers: Headers) => void })[ON_HEADERS]?.(response.headers);
			if (!response.body) {
				silence.stop();
				return response;
			}
			// The answer's body is read by the SDK after this returns: silence is watched until its end.
			const body = silence.watch(response.body, true);
			return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
		};

		this.fetchBytes = (path) => destinationFetch(`${destination.url.replace(/\/$/, '')}${path}`, { headers: { Authorization: `Bearer ${destination.token}` } });
		this.sdk = createDirectus(destination.url, { globals: { fetch: destinationFetch as typeof fetch } })
			.with(staticToken(destination.token))
			.with(rest());
	}

	/**
	 * Runs one SDK command (a fresh request body is built for every attempt). `lostAnswer` says what
	 * to do when the request was sent and its answer lost (see LostAnswer): reads repeat, writes say.
	 * Each attempt takes a slot of the destination's budget; waiting between attempts and recovering
	 * (which makes requests of its own) hold none. `budget: 'none'` is for the lease's few small
	 * requests: a renewal queued behind a run's batches (or behind other runs' polls) would let the
	 * lease expire under a live run.
	 */
	request<T>(command: RestCommand<T, any>, lostAnswer: LostAnswer = 'repeat', budget: 'shared' | 'none' = 'shared', leaseInAnswer = false): Promise<T> {
		const send = async () => {
			this.stats.requests++;
			const ticket = { started: ++this.started, alone: this.underWay === 0 };
			this.underWay++;
			try {
				const answer = (await this.sdk.request(command)) as T;
				if (leaseInAnswer && answer && typeof answer === 'object' && 'lease' in answer) this.leaseWitness = { ...ticket, seen: answer.lease };
				return answer;
			} catch (error) {
				// A silence while the SDK read the answer's body surfaces here, not in the fetch.
				if ((error as { name?: string })?.name === 'TimeoutError') throw failureFromNetwork(error, 'reading an answer');
				throw error;
			} finally {
				this.underWay--;
			}
		};
		return withRetries(
			() =>
				budget === 'none'
					? send()
					: this.budget.limit(async () => {
							await this.budget.pacer.wait();
							return send();
						}),
			this.retryPolicy,
			() => this.stats.retries++,
			lostAnswer,
		);
	}

	/**
	 * The bytes the destination serves at `path` (a file's `/assets/:id`), handed to `consume` as a
	 * stream as they arrive: never held whole. Getting the answer retries like any read; the bytes are
	 * read once (a failure while reading them is the caller's).
	 */
	async download<T>(path: string, consume: (bytes: Readable) => Promise<T>): Promise<T> {
		// A read like any other for leaseAfterEveryRead, under way until its last byte is consumed.
		this.underWay++;
		try {
			const response = await withRetries(
				() =>
					this.budget.limit(async () => {
						await this.budget.pacer.wait();
						this.stats.requests++;
						this.started++;
						return this.fetchBytes(path);
					}),
				this.retryPolicy,
				() => this.stats.retries++,
				'repeat',
			);
			return await consume(response.body ? Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>) : Readable.from([]));
		} finally {
			this.underWay--;
		}
	}

	/**
	 * The lease as the destination saw it at the end of the last request this client made, when that
	 * request carried it (leaseInAnswer), started while no other was under way, and no request started
	 * since: then every read of the run was answered before the destination looked at its lease.
	 * Otherwise null.
	 */
	leaseAfterEveryRead(): unknown {
		const witness = this.leaseWitness;
		return witness && witness.alone && witness.started === this.started && this.underWay === 0 ? witness.seen : null;
	}

	/** A request to any path, for what the SDK has no command for (multipart uploads, streams, TUS). */
	send<T>(options: {
		method: 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE' | 'SEARCH';
		path: string;
		params?: Record<string, unknown>;
		/** A multipart body is undici's FormData (the client's fetch is undici's, which reads only its own). */
		body?: () => string | FormData | ReadableStream;
		headers?: Record<string, string>;
		/**
		 * What a lost answer means for this request. Reads (GET, SEARCH) repeat; a write that says
		 * nothing is never repeated once sent (`fail`): say `repeat` for writes that are idempotent
		 * (known ids, the same values) or give a `recover` that reads before retrying.
		 */
		lostAnswer?: LostAnswer;
		/** `none`: outside the destination's concurrency limit and pacer (the lease's requests only). */
		budget?: 'shared' | 'none';
		/**
		 * Whether the request changes the destination, so that a run must hold the lease to send it:
		 * by default every request but GET, HEAD and SEARCH. `false` for a POST that only reads (the
		 * receiver's look-ups) and for the lease's own requests.
		 */
		needsLease?: boolean;
		/** The answer may carry `lease`: the lease as the destination saw it after its reads (see leaseAfterEveryRead). */
		leaseInAnswer?: boolean;
		/** Called with the headers of a successful answer (TUS says what it did in headers: Location, Upload-Offset). */
		onHeaders?: (headers: Headers) => void;
	}): Promise<T> {
		const command = (() => {
			const body = options.body?.();
			// The SDK drops a multipart Content-Type so that fetch can add the boundary itself.
			const contentType = body instanceof FormData ? { 'Content-Type': 'multipart/form-data' } : {};
			return {
				method: options.method,
				path: options.path,
				params: options.params,
				headers: { ...contentType, ...options.headers },
				body: body as unknown as string | undefined,
				...(options.onHeaders ? { onRequest: (init: RequestInit) => ({ ...init, [ON_HEADERS]: options.onHeaders }) } : {}),
			};
		}) as RestCommand<T, any>;
		const isRead = options.method === 'GET' || options.method === 'HEAD' || options.method === 'SEARCH';
		if (this.writesNeedLease && (options.needsLease ?? !isRead)) {
			return Promise.reject(
				new MigrationError('INTERNAL', `${options.method} ${options.path} was about to be sent before the run took the destination's lease; it was not sent (a bug of this bundle: please report it).`),
			);
		}
		return this.request(command, options.lostAnswer ?? (isRead ? 'repeat' : 'fail'), options.budget, options.leaseInAnswer);
	}
}
