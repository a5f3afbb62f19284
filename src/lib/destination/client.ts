import { createDirectus, rest, staticToken, type RestCommand } from '@directus/sdk';
import pLimit, { type LimitFunction } from 'p-limit';
import { Agent, FormData, fetch as undiciFetch } from 'undici';
import type { Destination } from '../options/destination.js';
import { failureFromNetwork, failureFromRedirect, failureFromResponse } from './failures.js';
import { guardedLookup, type NetworkPolicy } from './network-policy.js';
import { DEFAULT_RETRY_POLICY, sleep, withRetries, type RetryPolicy } from './retry.js';

export interface RequestStats {
	requests: number;
	retries: number;
}

/**
 * One limiter per destination URL in this process, so that every operation and every Flow run talking
 * to the same destination shares one concurrency budget.
 */
const limiters = new Map<string, LimitFunction>();

function limiterFor(url: string, concurrency: number): LimitFunction {
	let limit = limiters.get(url);
	if (!limit) {
		limit = pLimit(concurrency);
		limiters.set(url, limit);
	} else if (limit.concurrency !== concurrency) {
		limit.concurrency = concurrency;
	}
	return limit;
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
class RequestPacer {
	private nextStart = 0;
	private readonly perSecond: number;

	constructor(perSecond: number) {
		this.perSecond = perSecond;
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
 * The only way this bundle talks to the destination: `@directus/sdk` with a static token, every call
 * behind the shared concurrency limit, the request pacer and the retry policy, every failure turned
 * into a MigrationError. The token lives here and nowhere else.
 */
export class DestinationClient {
	readonly url: string;
	readonly host: string;
	readonly stats: RequestStats = { requests: 0, retries: 0 };
	private readonly sdk;
	private readonly limit: LimitFunction;
	private readonly pacer: RequestPacer;
	private readonly retryPolicy: RetryPolicy;

	constructor(destination: Destination, options: { concurrency?: number } = {}) {
		this.url = destination.url;
		this.host = destination.host;
		this.limit = limiterFor(destination.url, options.concurrency ?? 4);
		this.pacer = new RequestPacer(destination.requestsPerSecond);
		this.retryPolicy = { ...DEFAULT_RETRY_POLICY, retries: destination.retries };
		const timeoutMs = destination.timeoutMs;
		const dispatcher = dispatcherFor(destination.policy);

		const destinationFetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
			const what = `${init.method ?? 'GET'} ${new URL(String(input)).pathname}`;
			const streaming = init.body instanceof ReadableStream;
			let response: Response;
			try {
				// Redirects are never followed: the token would go along to wherever they point.
				response = (await undiciFetch(String(input), {
					...init,
					redirect: 'manual',
					dispatcher,
					signal: AbortSignal.timeout(timeoutMs),
					...(streaming ? { duplex: 'half' } : {}),
				} as Parameters<typeof undiciFetch>[1])) as unknown as Response;
			} catch (error) {
				throw failureFromNetwork(error, what);
			}
			if (response.status >= 300 && response.status < 400) throw failureFromRedirect(response, what);
			if (!response.ok) throw await failureFromResponse(response, what);
			return response;
		};

		this.sdk = createDirectus(destination.url, { globals: { fetch: destinationFetch as typeof fetch } })
			.with(staticToken(destination.token))
			.with(rest());
	}

	/** Runs one SDK command (a fresh request body is built for every attempt). */
	request<T>(command: RestCommand<T, any>): Promise<T> {
		return this.limit(() =>
			withRetries(
				async () => {
					await this.pacer.wait();
					this.stats.requests++;
					return (await this.sdk.request(command)) as T;
				},
				this.retryPolicy,
				() => this.stats.retries++,
			),
		);
	}

	/** A request to any path, for what the SDK has no command for (multipart uploads, streams). */
	send<T>(options: {
		method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'SEARCH';
		path: string;
		params?: Record<string, unknown>;
		/** A multipart body is undici's FormData (the client's fetch is undici's, which reads only its own). */
		body?: () => string | FormData | ReadableStream;
		headers?: Record<string, string>;
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
			};
		}) as RestCommand<T, any>;
		return this.request(command);
	}
}
