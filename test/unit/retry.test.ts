import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationError } from '../../src/lib/errors.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliveryOfNetworkFailure, failureFromNetwork, failureFromResponse, parseRetryAfter } from '../../src/lib/destination/failures.js';
import { withRetries, type LostAnswer } from '../../src/lib/destination/retry.js';

const fastPolicy = { retries: 3, minDelayMs: 1, maxDelayMs: 2 };

describe('the retry policy', () => {
	it('retries transient failures and counts each retry', async () => {
		let attempts = 0;
		let retries = 0;
		const result = await withRetries(
			async () => {
				attempts++;
				if (attempts < 3) throw new MigrationError('DESTINATION_UNAVAILABLE', '503', { status: 503, retryable: true });
				return 'done';
			},
			fastPolicy,
			() => retries++,
		);
		expect(result).toBe('done');
		expect(attempts).toBe(3);
		expect(retries).toBe(2);
	});

	/**
	 * Today's mapping (src/lib/destination/failures.ts). When the retry rules change, this table changes
	 * with them: it is the one place that says which answer of the destination a retry may cure.
	 */
	const RETRYABLE_BY_STATUS: [number, boolean][] = [
		[400, false],
		[401, false],
		[403, false],
		[404, false],
		[409, false],
		[413, false],
		[429, true],
		[500, false],
		[502, true],
		[503, true],
		[504, true],
	];

	it.each(RETRYABLE_BY_STATUS)('maps a %i answer to retryable: %s, and retries it only then', async (status, retryable) => {
		const failure = await failureFromResponse(new Response(JSON.stringify({ errors: [{ message: 'no' }] }), { status }), 'POST /items/x');
		expect(failure).toBeInstanceOf(MigrationError);
		expect({ status: failure.status, retryable: failure.retryable === true }).toEqual({ status, retryable });
		let attempts = 0;
		await expect(
			withRetries(async () => {
				attempts++;
				throw failure;
			}, fastPolicy),
		).rejects.toMatchObject({ status });
		expect(attempts).toBe(retryable ? fastPolicy.retries + 1 : 1);
	});

	it('maps a network error (refused, reset, timed out) to retryable, and retries it', async () => {
		const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
		const timedOut = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
		for (const error of [refused, timedOut, new TypeError('fetch failed')]) {
			const failure = failureFromNetwork(error, 'GET /server/ping');
			expect(failure).toMatchObject({ code: 'DESTINATION_UNREACHABLE', retryable: true });
			let attempts = 0;
			await expect(
				withRetries(async () => {
					attempts++;
					throw failure;
				}, fastPolicy),
			).rejects.toMatchObject({ code: 'DESTINATION_UNREACHABLE' });
			expect(attempts).toBe(fastPolicy.retries + 1);
		}
	});

	it('never retries a 400, 401, 403, 404 or 500', async () => {
		for (const status of [400, 401, 403, 404, 500]) {
			let attempts = 0;
			await expect(
				withRetries(async () => {
					attempts++;
					throw new MigrationError('DESTINATION_REJECTED', String(status), { status });
				}, fastPolicy),
			).rejects.toMatchObject({ status });
			expect(attempts).toBe(1);
		}
	});

	it('gives up after the retry budget with the last failure', async () => {
		let attempts = 0;
		await expect(
			withRetries(async () => {
				attempts++;
				throw new MigrationError('DESTINATION_UNREACHABLE', 'refused', { retryable: true });
			}, fastPolicy),
		).rejects.toMatchObject({ code: 'DESTINATION_UNREACHABLE' });
		expect(attempts).toBe(4);
	});

	it('waits at least as long as Retry-After asks', async () => {
		let attempts = 0;
		const startedAt = Date.now();
		await withRetries(async () => {
			attempts++;
			if (attempts === 1) throw new MigrationError('DESTINATION_UNAVAILABLE', '429', { status: 429, retryable: true, retryAfterMs: 300 });
			return true;
		}, fastPolicy);
		expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
	});

	it('reads Retry-After as seconds or as an HTTP date, capped at a minute', () => {
		expect(parseRetryAfter('2')).toBe(2000);
		expect(parseRetryAfter(null)).toBeUndefined();
		expect(parseRetryAfter('soon')).toBeUndefined();
		const now = Date.parse('2026-11-22T10:00:00Z');
		expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:05 GMT', now)).toBe(5000);
		expect(parseRetryAfter('3600')).toBe(60_000);
	});
});

const answer = (status: number) => failureFromResponse(new Response(JSON.stringify({ errors: [{ message: 'x' }] }), { status }), 'POST /items/x');

describe('which failures may have been applied', () => {
	it('maps each status to retryable or not, and to applied or not', async () => {
		const mapping = Object.fromEntries(
			await Promise.all([400, 401, 403, 404, 413, 429, 500, 502, 503, 504].map(async (status) => {
				const failure = await answer(status);
				return [status, failure.retryable ? failure.delivery : 'final'];
			})),
		);
		expect(mapping).toEqual({
			400: 'final',
			401: 'final',
			403: 'final',
			404: 'final',
			413: 'final',
			429: 'not-applied',
			500: 'final',
			502: 'maybe-applied',
			503: 'not-applied',
			504: 'maybe-applied',
		});
	});

	it('counts a refused connection and a failed DNS look-up as never sent', () => {
		const fetchFailed = (cause: object) => Object.assign(new TypeError('fetch failed'), { cause });
		expect(deliveryOfNetworkFailure(fetchFailed({ code: 'ECONNREFUSED' }))).toBe('not-sent');
		expect(deliveryOfNetworkFailure(fetchFailed({ code: 'ENOTFOUND' }))).toBe('not-sent');
		expect(deliveryOfNetworkFailure(fetchFailed({ code: 'EAI_AGAIN' }))).toBe('not-sent');
		expect(deliveryOfNetworkFailure(fetchFailed({ errors: [{ code: 'ECONNREFUSED' }, { code: 'ECONNREFUSED' }] }))).toBe('not-sent');
		expect(deliveryOfNetworkFailure(fetchFailed({ code: 'UND_ERR_SOCKET', socket: { bytesWritten: 0 } }))).toBe('not-sent');
	});

	it('counts a timeout, a reset and a socket closed after carrying bytes as maybe applied', () => {
		const fetchFailed = (cause: object) => Object.assign(new TypeError('fetch failed'), { cause });
		expect(deliveryOfNetworkFailure(new DOMException('slow', 'TimeoutError'))).toBe('maybe-applied');
		expect(deliveryOfNetworkFailure(fetchFailed({ code: 'ECONNRESET' }))).toBe('maybe-applied');
		expect(deliveryOfNetworkFailure(fetchFailed({ code: 'UND_ERR_SOCKET', socket: { bytesWritten: 512 } }))).toBe('maybe-applied');
		expect(deliveryOfNetworkFailure(fetchFailed({ message: 'something else' }))).toBe('maybe-applied');
	});

	describe('with real sockets', () => {
		let server: Server;
		let port: number;
		beforeAll(async () => {
			// Reads the whole request, then closes the connection without an answer: a lost answer.
			server = createServer((request) => {
				request.resume();
				request.on('end', () => request.socket.destroy());
			});
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			port = (server.address() as AddressInfo).port;
		});
		afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

		it('a connection refused is a request never sent', async () => {
			const closed = createServer();
			await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
			const freePort = (closed.address() as AddressInfo).port;
			await new Promise<void>((resolve) => closed.close(() => resolve()));
			const error = await fetch(`http://127.0.0.1:${freePort}/`, { method: 'POST', body: '{}' }).catch((caught: unknown) => caught);
			expect(failureFromNetwork(error, 'POST /').delivery).toBe('not-sent');
		});

		it('a request read by the server whose answer never came may have been applied', async () => {
			const error = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{"a":1}' }).catch((caught: unknown) => caught);
			expect(failureFromNetwork(error, 'POST /').delivery).toBe('maybe-applied');
		});
	});
});

describe('what a lost answer does to a write', () => {
	const lost = () => new MigrationError('DESTINATION_UNREACHABLE', 'reset', { delivery: 'maybe-applied' });
	const notSent = () => new MigrationError('DESTINATION_UNREACHABLE', 'refused', { delivery: 'not-sent' });
	const run = async (failures: MigrationError[], lostAnswer: LostAnswer) => {
		let attempts = 0;
		const result = await withRetries(
			async () => {
				const failure = failures[attempts++];
				if (failure) throw failure;
				return 'answered';
			},
			fastPolicy,
			() => {},
			lostAnswer,
		).catch((error: MigrationError) => error);
		return { attempts, result };
	};

	it('a write that may not be repeated fails on a lost answer, saying it may have been applied', async () => {
		const { attempts, result } = await run([lost()], 'fail');
		expect(attempts).toBe(1);
		expect(result).toMatchObject({ code: 'DESTINATION_UNREACHABLE', details: { delivery: 'maybe-applied' } });
	});

	it('a write that may not be repeated is still retried when it was never sent or was turned away', async () => {
		const turnedAway = new MigrationError('DESTINATION_UNAVAILABLE', '503', { status: 503, delivery: 'not-applied' });
		expect(await run([notSent(), turnedAway], 'fail')).toEqual({ attempts: 3, result: 'answered' });
	});

	it('an idempotent write is repeated after a lost answer', async () => {
		expect(await run([lost(), lost()], 'repeat')).toEqual({ attempts: 3, result: 'answered' });
	});

	it('a write found applied by its recover check is not repeated', async () => {
		let checks = 0;
		const { attempts, result } = await run([lost()], { recover: async () => (checks++, 'applied') });
		expect({ attempts, checks, result }).toEqual({ attempts: 1, checks: 1, result: undefined });
	});

	it('a write found not applied by its recover check is repeated', async () => {
		let checks = 0;
		const { attempts, result } = await run([lost()], { recover: async () => (checks++, 'not-applied') });
		expect({ attempts, checks, result }).toEqual({ attempts: 2, checks: 1, result: 'answered' });
	});

	it('a bug of ours is reported as INTERNAL and never retried', async () => {
		let attempts = 0;
		const result = await withRetries(async () => {
			attempts++;
			return (undefined as unknown as { x: () => string }).x();
		}, fastPolicy).catch((error: MigrationError) => error);
		expect(attempts).toBe(1);
		expect(result).toMatchObject({ code: 'INTERNAL' });
	});
});
