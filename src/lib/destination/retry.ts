import pRetry, { AbortError } from 'p-retry';
import { MigrationError, toMigrationError } from '../errors.js';

export interface RetryPolicy {
	/** Further attempts after the first. */
	retries: number;
	minDelayMs: number;
	maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 5, minDelayMs: 250, maxDelayMs: 5_000 };

/**
 * Runs `attempt` until it succeeds, retrying only transient failures (network errors, 429, 502, 503,
 * 504) with exponential backoff and jitter, waiting at least as long as a Retry-After asks.
 */
export async function withRetries<T>(
	attempt: () => Promise<T>,
	policy: RetryPolicy,
	onRetry: (error: MigrationError) => void = () => {},
): Promise<T> {
	return pRetry(
		async () => {
			try {
				return await attempt();
			} catch (error) {
				const failure = toMigrationError(error, 'DESTINATION_ERROR');
				if (!failure.retryable) throw new AbortError(failure);
				throw failure;
			}
		},
		{
			retries: policy.retries,
			factor: 2,
			minTimeout: policy.minDelayMs,
			maxTimeout: policy.maxDelayMs,
			randomize: true,
			onFailedAttempt: async ({ error, retriesLeft }) => {
				if (retriesLeft <= 0) return;
				const failure = error as MigrationError;
				onRetry(failure);
				if (failure.retryAfterMs) await sleep(failure.retryAfterMs);
			},
		},
	);
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
