import { createHash } from 'node:crypto';

/**
 * The destination lease as data: which rows hold it, and who holds it at a given time. Pure: the
 * requests that read and write these rows are in lease.ts.
 *
 * The lease lives in `directus_translations` (a system collection: it costs none of the plan's
 * collections; its keys are UUIDs we may choose, so no integer sequence moves; the app loads custom
 * translations per language, and ours is a language no user picks). Each taking of the lease is a new
 * row, a *generation*, whose primary key is fixed by its number: creating generation g+1 is atomic,
 * because two runs creating it send the same key and the destination's unique key lets one through.
 * The holder is the run of the highest generation; older ones are deleted by the next holder. Each
 * generation has its own translation key too (Directus refuses two rows with one key and language).
 */
export const LEASE_KEY_PREFIX = 'directus-migration-operations.lease.';
/** Not a language: the custom translation the app loads for a user's language never includes it. */
export const LEASE_LANGUAGE = 'x-migration-lease';

export interface LeaseRecord {
	version: 1;
	generation: number;
	/** The run holding (or having held) the lease: a random id, no secret. */
	run: string;
	operation: string;
	/** The source's public URL (its sync marker's name). */
	source: string;
	/** Destination clock (ISO), as are the times below. */
	since: string;
	renewedAt: string;
	expiresAt: string;
	releasedAt: string | null;
}

export interface LeaseRow {
	id: string;
	value: string;
}

/** Who holds a busy lease, as a skipped run and ALREADY_RUNNING say it. */
export interface LeaseHolder {
	operation: string;
	since: string;
	source: string;
	expiresAt: string;
}

/** The translation key of generation `generation`. */
export function leaseKey(generation: number): string {
	return `${LEASE_KEY_PREFIX}${generation}`;
}

/** Whether a translation key is one of the lease's (a row left alone by the system migration). */
export function isLeaseKey(key: unknown): boolean {
	return typeof key === 'string' && key.startsWith(LEASE_KEY_PREFIX);
}

/** The fixed primary key of generation `generation`: a name-based UUID (version 5 layout). */
export function leaseRowId(generation: number): string {
	const bytes = createHash('sha1').update(leaseKey(generation)).digest().subarray(0, 16);
	bytes[6] = (bytes[6]! & 0x0f) | 0x50;
	bytes[8] = (bytes[8]! & 0x3f) | 0x80;
	const hex = bytes.toString('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The lease rows read from the destination, highest generation first; a row not ours (or edited) is ignored. */
export function leaseRecords(rows: readonly LeaseRow[]): LeaseRecord[] {
	const records: LeaseRecord[] = [];
	for (const row of rows) {
		let record: Partial<LeaseRecord>;
		try {
			record = JSON.parse(row.value) as Partial<LeaseRecord>;
		} catch {
			continue;
		}
		if (record?.version !== 1 || !Number.isSafeInteger(record.generation) || record.generation! < 1) continue;
		if (leaseRowId(record.generation!) !== row.id) continue;
		if (typeof record.expiresAt !== 'string' || Number.isNaN(Date.parse(record.expiresAt))) continue;
		records.push(record as LeaseRecord);
	}
	return records.sort((a, b) => b.generation - a.generation);
}

export type LeaseState =
	/** Nobody holds it: take `generation`; `expired` is the holder whose lease ran out (a takeover). */
	| { free: true; generation: number; expired: LeaseRecord | null }
	| { free: false; holder: LeaseRecord };

/** Who holds the lease at `now` (destination clock, ms): the highest generation, unless released or expired. */
export function leaseState(records: readonly LeaseRecord[], now: number): LeaseState {
	const top = records[0];
	if (!top) return { free: true, generation: 1, expired: null };
	if (top.releasedAt !== null) return { free: true, generation: top.generation + 1, expired: null };
	if (Date.parse(top.expiresAt) <= now) return { free: true, generation: top.generation + 1, expired: top };
	return { free: false, holder: top };
}

/**
 * What a run read of the lease before it planned (the receiver's `open` answer): free, with the
 * generation the next run to take it creates; or held by another run.
 */
export type LeaseSeen = { free: true; generation: number } | { free: false };

/** What `state` says of the lease to a run about to read: free (and the generation it would create) or held. */
export function seenOf(state: LeaseState): LeaseSeen {
	return state.free ? { free: true, generation: state.generation } : { free: false };
}

export function holderOf(record: LeaseRecord): LeaseHolder {
	return { operation: record.operation, since: record.since, source: record.source, expiresAt: record.expiresAt };
}
