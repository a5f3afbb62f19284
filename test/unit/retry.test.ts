import { describe, expect, it } from 'vitest';
import { MigrationError } from '../../src/lib/errors.js';
import { failureFromNetwork, failureFromResponse, parseRetryAfter } from '../../src/lib/destination/failures.js';
import { withRetries } from '../../src/lib/destination/retry.js';

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

	it('never retries a 400, 401, 403 or 404', async () => {
		for (const status of [400, 401, 403, 404]) {
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
