import type { RequestStats } from './destination/client.js';
import type { LeaseReport } from './lease/lease.js';

export interface Warning {
	code: string;
	message: string;
	collection?: string;
	/** For a warning about one field: the field, and why (a stable word such as hash or conceal). */
	field?: string;
	reason?: string;
}

/** What every content operation returns: small, JSON-safe, never an item array, never a secret. */
export interface OperationReport {
	operation: string;
	ok: boolean;
	dryRun: boolean;
	durationMs: number;
	destination: { host: string };
	requests: RequestStats;
	warnings: Warning[];
	/** A run that wrote: when it held the destination's lease and how long it queued for it. */
	lease?: LeaseReport;
}

/** Keeps warning lists short however many items produced them. */
export const MAX_LISTED = 50;

export function boundedPush<T>(list: T[], entry: T, max = MAX_LISTED): void {
	if (list.length < max) list.push(entry);
}
