import { MigrationError, type Delivery } from '../errors.js';

/**
 * HTTP statuses a retry may cure, and what each says about the request. 429 and 503 come from the
 * destination (or its gateway) refusing to take the request: nothing was done. 502 and 504 come from
 * a gateway that may have forwarded the request and lost the answer. 400, 401, 403, 404 and 500 are
 * never retried.
 */
const TRANSIENT_STATUSES: ReadonlyMap<number, Delivery> = new Map([
	[429, 'not-applied'],
	[503, 'not-applied'],
	[502, 'maybe-applied'],
	[504, 'maybe-applied'],
]);

/**
 * Network failures that happen before a single byte of the request left: no connection (refused,
 * unreachable, connect timeout) or no address (DNS). Anything else may have reached the destination.
 */
const NOT_SENT_CODES = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EAI_NODATA',
	'EAI_NONAME',
	'EAI_FAIL',
	'ENETUNREACH',
	'EHOSTUNREACH',
	'UND_ERR_CONNECT_TIMEOUT',
]);
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
	// A 503 of Directus's own names the service that failed (`files`: its storage could not save a file).
	const services = errors.map((error) => error.extensions?.['service']).filter((service): service is string => typeof service === 'string');
	const reason = errors.map((error) => error.message).filter(Boolean).join('; ') || response.statusText || 'no reason given';
	const details: Record<string, unknown> = { request: what };
	if (directusCodes.length > 0) details['directusCodes'] = directusCodes;
	if (services.length > 0) details['directusServices'] = services;

	const delivery = TRANSIENT_STATUSES.get(status);
	if (delivery) {
		return new MigrationError('DESTINATION_UNAVAILABLE', `The destination answered ${status} to ${what}: ${reason}`, {
			status,
			details,
			delivery,
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
export function failureFromRedirect(response: Response | null, what: string): MigrationError {
	void response?.body?.cancel().catch(() => {});
	const location = response?.headers.get('location');
	let target = 'another address';
	if (location) {
		try {
			target = new URL(location, response?.url || undefined).host || target;
		} catch {
			/* an unreadable Location: name no host */
		}
	}
	return new MigrationError(
		'DESTINATION_REJECTED',
		`The destination answered ${what} with a redirect (${response?.status ?? '3xx'}) to ${target}. Redirects are not followed, so that the token never goes to another address: set destinationUrl to the address that answers.`,
		{ status: response?.status, details: { request: what, redirectTo: target } },
	);
}

interface NetworkCause {
	code?: string;
	message?: string;
	/** undici's SocketError: what the socket had carried when it closed (over its whole life). */
	socket?: { bytesWritten?: number };
	errors?: NetworkCause[];
}

/**
 * Whether a failed fetch may have reached the destination. Only what is provable counts as not sent:
 * a connection that was never made, an address never found, or a socket that closed before carrying
 * a single byte. A kept-alive socket the destination closed under a request cannot be told apart from
 * a request it handled and whose answer was lost, so it counts as maybe applied: the cost is one read
 * before the retry, never a duplicate.
 */
export function deliveryOfNetworkFailure(error: unknown): Delivery {
	if ((error as { name?: string })?.name === 'TimeoutError') return 'maybe-applied';
	const cause = (error as { cause?: NetworkCause })?.cause ?? (error as NetworkCause);
	const codes = [cause?.code, ...(cause?.errors ?? []).map((inner) => inner.code)].filter((code): code is string => !!code);
	if (codes.length > 0 && codes.every((code) => NOT_SENT_CODES.has(code))) return 'not-sent';
	if (cause?.code === 'UND_ERR_SOCKET' && cause.socket?.bytesWritten === 0) return 'not-sent';
	return 'maybe-applied';
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
	const delivery = deliveryOfNetworkFailure(error);
	return new MigrationError('DESTINATION_UNREACHABLE', `Could not reach the destination for ${what}: ${kind}`, {
		details: { request: what, cause: kind, delivery },
		delivery,
	});
}

/** Directus codes of a 403 that refuses particular rows (a Core limit, a licensed feature), not the token. */
const ROW_FORBIDDEN_CODES = new Set(['LIMIT_EXCEEDED', 'RESOURCE_RESTRICTED']);

/**
 * The one rule, for content and system writes alike, of what a failed write says about its rows.
 *
 * A row refusal is the destination turning these rows down while it would take others: a 4xx about
 * the payload (a constraint, a validation, a too-large body), a 403 with a row-level Directus code
 * (LIMIT_EXCEEDED, RESOURCE_RESTRICTED), and a 500. Directus answers 500 for what it did not foresee
 * (a hook throwing on one row, a database error on one value) and writes a batch in one transaction,
 * so nothing of the refused batch is applied: the batch is bisected, the other rows are written, and
 * each refused row is reported with its key (the run still rejects, ITEMS_FAILED / SYSTEM_FAILED).
 * A destination that is down answers 503 or no longer connects; that, a refused token, a missing
 * route or a bug of ours ends the run instead of failing every row alike.
 */
export function isRowRefusal(error: unknown): boolean {
	if (!(error instanceof MigrationError)) return false;
	if (error.code === 'DESTINATION_REJECTED' || error.code === 'PAYLOAD_TOO_LARGE') return true;
	if (error.code === 'DESTINATION_ERROR') return error.status !== undefined && error.status >= 500;
	if (error.code === 'FORBIDDEN') {
		const codes = error.details?.['directusCodes'];
		return Array.isArray(codes) && codes.some((code) => ROW_FORBIDDEN_CODES.has(String(code)));
	}
	return false;
}

/**
 * Whether the destination has no such route at all (Directus's ROUTE_NOT_FOUND): a receiver of an
 * earlier version of this bundle, without a route a later one added. Not a 404 about an item.
 */
export function isMissingRoute(error: unknown): boolean {
	if (!(error instanceof MigrationError) || error.code !== 'NOT_FOUND') return false;
	const codes = error.details?.['directusCodes'];
	return Array.isArray(codes) && codes.includes('ROUTE_NOT_FOUND');
}
