import { valuesEqual } from '../compare/normalize.js';
import type { Row } from '../items/diff-rows.js';
import type { JournalEntry } from '../runs/journal.js';

/**
 * What a run did to one destination row, all its writes taken together: the row as it was before the
 * run (`before`: null when the run created it; only the fields it updated when it updated it) and as
 * the run left it (`after`: null when the run deleted it; the fields it wrote otherwise).
 */
export interface NetChange {
	collection: string;
	primaryKey: string;
	key: unknown;
	before: Row | null;
	after: Row | null;
}

export type ChangeKind = 'created' | 'updated' | 'deleted';

export function kindOf(change: NetChange): ChangeKind | null {
	if (change.before === null) return change.after === null ? null : 'created';
	return change.after === null ? 'deleted' : 'updated';
}

/** Folds journal entries, in the order they were written, into one net change per row (in first-write order). */
export async function netChanges(entries: Iterable<JournalEntry> | AsyncIterable<JournalEntry>): Promise<NetChange[]> {
	const changes = new Map<string, NetChange>();
	for await (const entry of entries) {
		const id = `${entry.c}\u0000${String(entry.k)}`;
		let change = changes.get(id);
		if (!change) {
			change = { collection: entry.c, primaryKey: entry.p, key: entry.k, before: entry.op === 'create' ? null : { ...entry.b }, after: entry.op === 'delete' ? null : {} };
			changes.set(id, change);
		} else if (entry.op === 'update' && change.before !== null) {
			// A field updated twice keeps the value it had before the first update.
			for (const [field, value] of Object.entries(entry.b ?? {})) if (!(field in change.before)) change.before[field] = value;
		}
		if (entry.op === 'delete') change.after = null;
		else change.after = { ...(entry.op === 'create' ? {} : (change.after ?? {})), ...entry.a };
	}
	return [...changes.values()];
}

export type Decision =
	| { action: 'delete' | 'patch' | 'create'; forced: boolean }
	| { action: 'none' }
	| { action: 'conflict'; fields: string[] };

/**
 * What undoing one net change needs, given the row the destination holds now (`current`, undefined
 * when absent): restore it only where the destination still holds what the run wrote; anything
 * changed since is a conflict, left alone unless `force`. `ignored` fields (stamped by Directus on
 * every write) are not compared.
 */
export function decideUndo(change: NetChange, current: Row | undefined, types: Record<string, string>, ignored: Set<string>, force: boolean): Decision {
	const kind = kindOf(change);
	if (kind === null) return { action: 'none' };
	const differing = (wanted: Row) =>
		Object.keys(wanted).filter((field) => field !== change.primaryKey && !ignored.has(field) && !valuesEqual(wanted[field], current?.[field], types[field]));
	if (kind === 'created') {
		if (!current) return { action: 'none' };
		const changed = differing(change.after!);
		return changed.length === 0 || force ? { action: 'delete', forced: changed.length > 0 } : { action: 'conflict', fields: changed };
	}
	if (kind === 'deleted') {
		if (!current) return { action: 'create', forced: false };
		if (differing(change.before!).length === 0) return { action: 'none' };
		return force ? { action: 'patch', forced: true } : { action: 'conflict', fields: ['(the row exists again)'] };
	}
	if (!current) return force ? { action: 'create', forced: true } : { action: 'conflict', fields: ['(the row was deleted since)'] };
	if (differing(change.before!).length === 0) return { action: 'none' };
	const changed = differing(change.after!);
	return changed.length === 0 || force ? { action: 'patch', forced: changed.length > 0 } : { action: 'conflict', fields: changed };
}
