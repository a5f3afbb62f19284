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
 * rule, with exponential backoff and jitter, waiting at least as long as a Retry-After asks. A
 * TypeError or the like is a bug of ours (INTERNAL) and is never retried.
 */
export async function withRetries<T>(
	attempt: () => Promise<T>,
	policy: RetryPolicy,
	onRetry: (error: MigrationError) => void = () => {},
	lostAnswer: LostAnswer = 'repeat',
): Promise<T> {
	for (let retry = 0; ; retry++) {
		let failure: MigrationError;
		try {
			return await attempt();
		} catch (error) {
			failure = toMigrationError(error, 'DESTINATION_ERROR');
		}
		const decision = retryDecision(failure, lostAnswer);
		if (decision === 'stop' && failure.delivery === 'maybe-applied') throw maybeApplied(failure);
		if (decision === 'stop' || retry >= policy.retries) throw failure;
		if (decision === 'recover' && typeof lostAnswer === 'object') {
			if ((await lostAnswer.recover(failure)) === 'applied') return undefined as T;
		}
		onRetry(failure);
		await sleep(Math.max(backoffMs(retry, policy), failure.retryAfterMs ?? 0));
	}
}

/** Exponential backoff with jitter: min·2^retry, at most max, times a random factor from 1 to 2. */
export function backoffMs(retry: number, policy: RetryPolicy): number {
	const base = Math.min(policy.minDelayMs * 2 ** retry, policy.maxDelayMs);
	return Math.min(base * (1 + Math.random()), policy.maxDelayMs);
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
