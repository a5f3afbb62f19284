import { valuesEqual } from '../compare/normalize.js';
import type { Row } from '../items/diff-rows.js';
import type { JournalEntry, ReplacedBytes } from '../runs/journal.js';

/**
 * What one write of a run did to one destination row: the row as it was before (`before`: null when
 * the write created it; only the fields it updated when it updated it) and as the write left it
 * (`after`: null when it deleted the row; the fields it wrote otherwise).
 */
export interface RowChange {
	collection: string;
	primaryKey: string;
	key: unknown;
	before: Row | null;
	after: Row | null;
}

export type ChangeKind = 'created' | 'updated' | 'deleted';

export function kindOf(change: RowChange): ChangeKind | null {
	if (change.before === null) return change.after === null ? null : 'created';
	return change.after === null ? 'deleted' : 'updated';
}

/** The change one journal entry made to one row: before it (null: the row did not exist) and after it (null: deleted). */
export function changeOf(entry: JournalEntry): RowChange {
	return {
		collection: entry.c,
		primaryKey: entry.p,
		key: entry.k,
		before: entry.op === 'create' ? null : { ...entry.b },
		after: entry.op === 'delete' ? null : { ...entry.a },
	};
}

export type Decision =
	| { action: 'delete' | 'patch' | 'create'; forced: boolean }
	| { action: 'none' }
	| { action: 'conflict'; fields: string[] };

/**
 * What undoing one change needs, given the row the destination holds now (`current`, undefined
 * when absent): restore it only where the destination still holds what the run wrote; anything
 * changed since is a conflict, left alone unless `force`. `ignored` fields (stamped by Directus on
 * every write) are not compared.
 */
export function decideUndo(change: RowChange, current: Row | undefined, types: Record<string, string>, ignored: Set<string>, force: boolean): Decision {
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

/**
 * What undoing a replacement of a file's bytes (a `bytes` entry) needs, given the file the destination
 * holds now (`current`: its metadata; undefined when absent) and the sha256 of its bytes now
 * (`sha256`; null when unknown because their size is neither the one before nor the one written).
 * The file is restored (its bytes uploaded again when the run changed them, then its metadata) only
 * where it still holds what the run wrote, bytes and metadata; anything changed since is a conflict,
 * left alone unless `force`. A file deleted since is always left alone.
 */
export function decideBytesUndo(
	entry: { before: Row; after: Row; bytes: ReplacedBytes },
	current: { row: Row | undefined; sha256: string | null },
	types: Record<string, string>,
	ignored: Set<string>,
	force: boolean,
): { action: 'restore'; bytes: boolean; forced: boolean } | { action: 'none' } | { action: 'conflict'; fields: string[] } {
	const { row } = current;
	if (!row) return { action: 'conflict', fields: ['(the file was deleted since)'] };
	const differing = (wanted: Row) => Object.keys(wanted).filter((field) => field !== 'id' && !ignored.has(field) && !valuesEqual(wanted[field], row[field], types[field]));
	const replaced = entry.bytes.before.sha256 !== entry.bytes.after.sha256;
	// Bytes the run meant to replace still there: the replacement never happened (what it wrote besides is journaled on its own), or was undone.
	if (replaced && current.sha256 === entry.bytes.before.sha256) return { action: 'none' };
	const bytesChanged = current.sha256 !== entry.bytes.after.sha256;
	const changed = differing(entry.after);
	if (!bytesChanged && changed.length === 0) return { action: 'restore', bytes: replaced, forced: false };
	if (current.sha256 === entry.bytes.before.sha256 && differing(entry.before).length === 0) return { action: 'none' };
	if (force) return { action: 'restore', bytes: current.sha256 !== entry.bytes.before.sha256, forced: true };
	return { action: 'conflict', fields: [...(bytesChanged ? ['(the bytes changed since)'] : []), ...changed] };
}
