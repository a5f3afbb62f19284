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
 * What to do when a request was sent and its answer lost (a timeout, a reset, a 502/504), so that it
 * may have been applied. Every request says it; a request that never reached the destination (no
 * connection, DNS) or that the destination turned away (429, 503) is always repeated.
 *
 * - `repeat`: repeating it changes nothing more (a read, a PATCH of known rows, a DELETE of keys).
 * - `fail`: never repeated once sent; the failure says it may have been applied.
 * - `recover`: read before retrying: the caller looks at the destination and says whether the
 *   request was `applied` (the request then succeeds, without an answer body) or not (it is repeated).
 */
export type LostAnswer = 'repeat' | 'fail' | { recover: (failure: MigrationError) => Promise<'applied' | 'not-applied'> };

/** Whether a failure may be retried under `lostAnswer`, before asking `recover`. */
export function retryDecision(failure: MigrationError, lostAnswer: LostAnswer): 'retry' | 'recover' | 'stop' {
	if (!failure.retryable || !failure.delivery) return 'stop';
	if (failure.delivery !== 'maybe-applied') return 'retry';
	if (lostAnswer === 'repeat') return 'retry';
	if (lostAnswer === 'fail') return 'stop';
	return 'recover';
}

/**
 * Runs `attempt` until it succeeds, retrying transient failures under the request's `lostAnswer`
 * rule (p-retry: exponential backoff with jitter), waiting at least as long as a Retry-After asks.
 * A failure the rule stops at (a refusal, a write whose answer was lost and may not be repeated, a
 * TypeError of ours: INTERNAL) ends at once. Before repeating a request whose answer was lost,
 * `recover` looks at the destination: when the request was applied, the attempt succeeds there.
 */
export async function withRetries<T>(
	attempt: () => Promise<T>,
	policy: RetryPolicy,
	onRetry: (error: MigrationError) => void = () => {},
	lostAnswer: LostAnswer = 'repeat',
): Promise<T> {
	let lost: MigrationError | undefined;
	return pRetry(
		async () => {
			if (lost && typeof lostAnswer === 'object') {
				const outcome = await lostAnswer.recover(lost);
				lost = undefined;
				if (outcome === 'applied') return undefined as T;
			}
			try {
				return await attempt();
			} catch (error) {
				const failure = toMigrationError(error, 'DESTINATION_ERROR');
				const decision = retryDecision(failure, lostAnswer);
				if (decision === 'stop') throw new AbortError(failure.delivery === 'maybe-applied' ? maybeApplied(failure) : failure);
				if (decision === 'recover') lost = failure;
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

function maybeApplied(failure: MigrationError): MigrationError {
	return new MigrationError(
		failure.code,
		`${failure.message} (the request was sent and may have been applied: it is not repeated)`,
		{ status: failure.status, details: { ...failure.details, delivery: 'maybe-applied' } },
	);
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
