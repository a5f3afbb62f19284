import { describe, expect, it } from 'vitest';
import { MigrationError } from '../../src/lib/errors.js';
import { parseRetryAfter } from '../../src/lib/destination/failures.js';
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
