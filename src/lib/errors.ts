/**
 * The one error type of the bundle. Every failure carries a stable `code`; callers branch on the code,
 * never on the message. At the operation boundary it is thrown as plain JSON (`toJSON()`), because a
 * Flow keeps a thrown plain object intact on its reject path but reduces an `Error` to name and message.
 */
export const ERROR_CODES = [
	'INVALID_OPTIONS',
	'DESTINATION_UNREACHABLE',
	'DESTINATION_UNAVAILABLE',
	'NOT_DIRECTUS',
	'UNAUTHORIZED',
	'FORBIDDEN',
	'NOT_FOUND',
	'PAYLOAD_TOO_LARGE',
	'DESTINATION_REJECTED',
	'DESTINATION_ERROR',
	'INCOMPATIBLE',
	'SCHEMA_MISMATCH',
	'SCHEMA_CHANGED',
	'ITEMS_FAILED',
	'FILES_FAILED',
	'SYSTEM_FAILED',
	'SOURCE_ERROR',
	/** More destination rows would be deleted than `maxDeleteShare` allows; nothing was deleted. */
	'DELETE_GUARD',
	/** A bug in this bundle (a TypeError, a ReferenceError…), not a failure of either Directus. */
	'INTERNAL',
	'OUT_OF_SYNC',
	/** migration-rollback left rows alone because they changed on the destination since the run. */
	'ROLLBACK_CONFLICT',
	/** Another run holds the destination's lease (`whenBusy: fail`, or `wait` past `waitSeconds`); nothing was written. */
	'ALREADY_RUNNING',
	/** This run's lease expired (renewals failed) and another run took it over. */
	'LEASE_LOST',
	/** The run asked for the receiver (writePath "receiver", includePasswords) and the destination has none, or an incompatible one. */
	'RECEIVER_REQUIRED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface MigrationErrorJSON {
	code: ErrorCode;
	message: string;
	status?: number;
	details?: Record<string, unknown>;
	[extra: string]: unknown;
}

/**
 * What a transient failure says about the request: `not-sent` (it never reached the destination:
 * connection refused, DNS), `not-applied` (the destination answered 429 or 503: it did nothing), or
 * `maybe-applied` (it was sent and its answer lost: a timeout, a reset, a 502/504 from a gateway).
 */
export type Delivery = 'not-sent' | 'not-applied' | 'maybe-applied';

export class MigrationError extends Error {
	readonly code: ErrorCode;
	readonly status: number | undefined;
	readonly details: Record<string, unknown> | undefined;
	/** Set for transient failures (network, 429, 502-504) that a retry may cure. */
	readonly retryable: boolean;
	/** For a transient failure: whether the request may have been applied. */
	readonly delivery: Delivery | undefined;
	/** How long the destination asked us to wait (Retry-After), in milliseconds. */
	readonly retryAfterMs: number | undefined;

	constructor(
		code: ErrorCode,
		message: string,
		extra: { status?: number; details?: Record<string, unknown>; retryable?: boolean; delivery?: Delivery; retryAfterMs?: number; cause?: unknown } = {},
	) {
		super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
		this.name = 'MigrationError';
		this.code = code;
		this.status = extra.status;
		this.details = extra.details;
		this.delivery = extra.delivery ?? (extra.retryable ? 'maybe-applied' : undefined);
		this.retryable = extra.retryable ?? extra.delivery !== undefined;
		this.retryAfterMs = extra.retryAfterMs;
	}

	toJSON(): MigrationErrorJSON {
		const json: MigrationErrorJSON = { code: this.code, message: this.message };
		if (this.status !== undefined) json.status = this.status;
		if (this.details !== undefined) json.details = this.details;
		return json;
	}
}

export function isMigrationError(error: unknown): error is MigrationError {
	return error instanceof MigrationError;
}

/** Errors only a bug of ours throws: they are never blamed on the source or the destination. */
const PROGRAMMING_ERRORS = [TypeError, ReferenceError, RangeError];

/** A TypeError or the like: a bug in this bundle. */
export function isInternalError(error: unknown): boolean {
	return PROGRAMMING_ERRORS.some((type) => error instanceof type);
}

/**
 * Any thrown value as a MigrationError; unknown errors become `fallback` with their message kept,
 * except programming errors (TypeError, ReferenceError…), which are ours: code INTERNAL.
 */
export function toMigrationError(error: unknown, fallback: ErrorCode = 'SOURCE_ERROR'): MigrationError {
	if (error instanceof MigrationError) return error;
	if (isInternalError(error)) {
		return new MigrationError('INTERNAL', `Internal error of the migration bundle (please report it): ${(error as Error).message}`, {
			cause: error,
		});
	}
	if (error instanceof Error) return new MigrationError(fallback, error.message);
	if (error && typeof error === 'object' && 'message' in error) {
		return new MigrationError(fallback, String((error as { message: unknown }).message));
	}
	return new MigrationError(fallback, String(error));
}

export interface OptionProblem {
	option: string;
	problem: string;
}

/** One INVALID_OPTIONS error naming every bad option, e.g. "collections: "x" is not a collection". */
export function invalidOptions(problems: OptionProblem[]): MigrationError {
	const message = problems.map(({ option, problem }) => `${option}: ${problem}`).join('; ');
	return new MigrationError('INVALID_OPTIONS', `Invalid options. ${message}`, { details: { problems } });
}
