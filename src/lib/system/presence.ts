import type { DestinationClient } from '../destination/client.js';
import { existingIds } from './destination-rows.js';
import { KINDS, type Id, type Row, type SystemKind } from './kinds.js';

const PATHS: Record<string, string> = {
	directus_files: '/files',
	...Object.fromEntries(Object.values(KINDS).map((kind) => [kind.collection, kind.path])),
};

/**
 * Which rows a reference may point at on the destination: rows it has, and rows this run writes (or,
 * in a dry run, would write). Answers are remembered, so every id is asked about once.
 */
export class DestinationPresence {
	private readonly present = new Map<string, Set<string>>();
	private readonly absent = new Map<string, Set<string>>();
	private readonly client: DestinationClient;

	constructor(client: DestinationClient) {
		this.client = client;
	}

	/** Rows written (or planned) by this run. */
	remember(collection: string, ids: Iterable<Id>): void {
		const present = this.setOf(this.present, collection);
		const absent = this.setOf(this.absent, collection);
		for (const id of ids) {
			present.add(String(id));
			absent.delete(String(id));
		}
	}

	/** Rows this run failed to write. */
	forget(collection: string, ids: Iterable<Id>): void {
		const present = this.setOf(this.present, collection);
		for (const id of ids) present.delete(String(id));
	}

	/** Of `ids`, those that are neither on the destination nor written by this run. */
	async missing(collection: string, ids: Id[]): Promise<Set<string>> {
		const present = this.setOf(this.present, collection);
		const absent = this.setOf(this.absent, collection);
		const unknown = [...new Set(ids.map(String))].filter((id) => !present.has(id) && !absent.has(id));
		const path = PATHS[collection];
		if (unknown.length > 0 && path) {
			const found = await existingIds(this.client, path, unknown);
			for (const id of unknown) (found.has(id) ? present : absent).add(id);
		}
		return new Set(ids.map(String).filter((id) => !present.has(id)));
	}

	private setOf(map: Map<string, Set<string>>, collection: string): Set<string> {
		let set = map.get(collection);
		if (!set) map.set(collection, (set = new Set()));
		return set;
	}
}

export interface ReferenceOutcome {
	rows: Row[];
	/** Rows left out: a required reference points at nothing. */
	skipped: { id: Id; reason: string }[];
	/** Optional references emptied, per field. */
	emptied: Record<string, number>;
}

/** Checks the references of a batch: rows needing a missing target are skipped, optional ones emptied. */
export async function resolveReferences(kind: SystemKind, rows: Row[], presence: DestinationPresence): Promise<ReferenceOutcome> {
	const outcome: ReferenceOutcome = { rows: [], skipped: [], emptied: {} };
	const missingByField = new Map<string, Set<string>>();
	for (const [field, reference] of Object.entries(kind.references ?? {})) {
		const ids = rows.map((row) => row[field]).filter((value): value is Id => value !== null && value !== undefined);
		// A row may point at a row of its own batch (a parent role): those are written first.
		const own = reference.collection === kind.collection ? new Set(rows.map((row) => String(row['id']))) : new Set<string>();
		const missing = await presence.missing(reference.collection, ids.filter((id) => !own.has(String(id))));
		missingByField.set(field, missing);
	}
	for (const row of rows) {
		let kept: Row | null = row;
		for (const [field, missing] of missingByField) {
			const value = row[field];
			if (value === null || value === undefined || !missing.has(String(value))) continue;
			const reference = kind.references![field]!;
			if (reference.need === 'required') {
				outcome.skipped.push({ id: row['id'] as Id, reason: `${field} points at ${reference.collection} ${value}, which is not on the destination` });
				kept = null;
				break;
			}
			kept = { ...kept, [field]: null };
			outcome.emptied[field] = (outcome.emptied[field] ?? 0) + 1;
		}
		if (kept) outcome.rows.push(kept);
	}
	return outcome;
}
