import { MigrationError } from '../errors.js';

/** HTTP statuses a retry may cure. 400, 401, 403 and 404 never are. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const MAX_RETRY_AFTER_MS = 60_000;
const MAX_ERROR_BODY_CHARS = 2_000;

/** Seconds or an HTTP date, as milliseconds to wait; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
	if (!header) return undefined;
	const text = header.trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
	const date = Date.parse(text);
	if (Number.isNaN(date)) return undefined;
	return Math.min(Math.max(date - now, 0), MAX_RETRY_AFTER_MS);
}

interface DirectusErrorBody {
	errors?: { message?: string; extensions?: { code?: string; [key: string]: unknown } }[];
}

/** A non-2xx response of the destination as a MigrationError, with Directus's own error codes kept. */
export async function failureFromResponse(response: Response, what: string): Promise<MigrationError> {
	const status = response.status;
	const text = (await response.text().catch(() => '')).slice(0, MAX_ERROR_BODY_CHARS);
	let body: DirectusErrorBody | undefined;
	try {
		body = JSON.parse(text) as DirectusErrorBody;
	} catch {
		body = undefined;
	}
	const errors = Array.isArray(body?.errors) ? body.errors : [];
	const directusCodes = errors.map((error) => error.extensions?.code).filter((code): code is string => !!code);
	const reason = errors.map((error) => error.message).filter(Boolean).join('; ') || response.statusText || 'no reason given';
	const details: Record<string, unknown> = { request: what };
	if (directusCodes.length > 0) details['directusCodes'] = directusCodes;

	if (RETRYABLE_STATUSES.has(status)) {
		return new MigrationError('DESTINATION_UNAVAILABLE', `The destination answered ${status} to ${what}: ${reason}`, {
			status,
			details,
			retryable: true,
			retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
		});
	}
	if (status === 401) {
		return new MigrationError('UNAUTHORIZED', `The destination refused the token (401) for ${what}: ${reason}`, { status, details });
	}
	if (status === 403) {
		return new MigrationError('FORBIDDEN', `The destination token may not do ${what} (403): ${reason}`, { status, details });
	}
	if (status === 404) {
		return new MigrationError('NOT_FOUND', `The destination has no ${what} (404): ${reason}`, { status, details });
	}
	if (status === 413) {
		return new MigrationError('PAYLOAD_TOO_LARGE', `The destination refused ${what} as too large (413)`, { status, details });
	}
	if (status >= 400 && status < 500) {
		return new MigrationError('DESTINATION_REJECTED', `The destination rejected ${what} (${status}): ${reason}`, { status, details });
	}
	return new MigrationError('DESTINATION_ERROR', `The destination failed on ${what} (${status}): ${reason}`, { status, details });
}

/** A redirect answer: never followed (the token would go along), so the destination URL must be the one that answers. */
export function failureFromRedirect(response: Response, what: string): MigrationError {
	void response.body?.cancel().catch(() => {});
	const location = response.headers.get('location');
	let target = 'another address';
	if (location) {
		try {
			target = new URL(location, response.url || undefined).host || target;
		} catch {
			/* an unreadable Location: name no host */
		}
	}
	return new MigrationError(
		'DESTINATION_REJECTED',
		`The destination answered ${what} with a redirect (${response.status}) to ${target}. Redirects are not followed, so that the token never goes to another address: set destinationUrl to the address that answers.`,
		{ status: response.status, details: { request: what, redirectTo: target } },
	);
}

/** A fetch that threw (refused, reset, DNS, timeout) as a retryable MigrationError. */
export function failureFromNetwork(error: unknown, what: string): MigrationError {
	const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
	const name = (error as { name?: string })?.name;
	if (cause?.code === 'EDENIEDADDRESS') {
		// The network policy refused the connection (IMPORT_IP_DENY_LIST): final, never retried.
		return new MigrationError('FORBIDDEN', `Not connecting to the destination for ${what}: ${cause.message}`, {
			details: { request: what, cause: 'denied address' },
		});
	}
	const kind =
		name === 'TimeoutError' ? 'timed out' : cause?.code ?? cause?.message ?? (error as Error)?.message ?? 'network error';
	return new MigrationError('DESTINATION_UNREACHABLE', `Could not reach the destination for ${what}: ${kind}`, {
		details: { request: what, cause: kind },
		retryable: true,
	});
}
