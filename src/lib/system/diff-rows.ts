import { valuesEqual } from '../items/values-equal.js';
import type { IdMapping } from './admin-identity.js';
import type { Id, Row, SystemKind } from './kinds.js';

export interface RowChange {
	id: Id;
	changes: Row;
}

/**
 * What one batch of source rows asks of the destination. `create` rows leave their links out and
 * `update` holds only the fields that differ; links come separately, once the rows exist.
 */
export interface RowDiff {
	create: Row[];
	update: RowChange[];
	links: RowChange[];
	/** Ids of rows that already exist and change (fields or links): counted once as updated. */
	updated: Id[];
	unchanged: Id[];
	/**
	 * Rows whose integer id the destination uses for a different row (and that no row of the destination
	 * matches by natural key): created under an id the destination picks, found by natural key next time.
	 */
	createUnderNewId: Row[];
	/** The same, for collections without a natural key: not written. */
	conflicts: { id: Id; reason: string }[];
}

/** Whether the destination row under a row's id is that row (integer ids are handed out per instance). */
export function isSameRow(kind: SystemKind, desired: Row, existing: Row): boolean {
	return differingIdentity(kind, desired, existing) === undefined;
}

function differingIdentity(kind: SystemKind, desired: Row, existing: Row): string | undefined {
	return kind.sameRowWhen?.find((field) => !sameValue(desired[field], existing[field]));
}

/** A source row as the destination should hold it: its id, its fields and links, references mapped. */
export function toDestinationRow(kind: SystemKind, row: Row, mapping: IdMapping): Row {
	const target: Row = { id: row['id'] };
	for (const field of [...kind.fields, ...(kind.links ?? [])]) {
		let value = row[field] ?? null;
		const reference = kind.references?.[field];
		if (reference && value !== null) value = mapping.map(reference.collection, value as Id);
		target[field] = value;
	}
	return target;
}

/** Compares desired rows with the destination rows of the same ids. Pure: no request, no write. */
export function diffRows(kind: SystemKind, desired: Row[], existing: Row[]): RowDiff {
	const onDestination = new Map(existing.map((row) => [String(row['id']), row]));
	const links = kind.links ?? [];
	const diff: RowDiff = { create: [], update: [], links: [], updated: [], unchanged: [], createUnderNewId: [], conflicts: [] };

	for (const row of desired) {
		const id = row['id'] as Id;
		const current = onDestination.get(String(id));
		if (!current) {
			diff.create.push({ ...withoutLinks(row, links), ...kind.setOnCreate });
			const written = links.filter((field) => row[field] !== null || kind.filledOnCreate?.includes(field));
			const linkValues = Object.fromEntries(written.map((field) => [field, row[field]]));
			if (Object.keys(linkValues).length > 0) diff.links.push({ id, changes: linkValues });
			continue;
		}
		const conflict = differingIdentity(kind, row, current);
		if (conflict && kind.matchBy) {
			diff.createUnderNewId.push({ ...withoutLinks(row, links), ...kind.setOnCreate });
			continue;
		}
		if (conflict) {
			diff.conflicts.push({ id, reason: `id ${id} holds a different row on the destination (${conflict} differs)` });
			continue;
		}
		const changes = changedFields(kind, row, current, kind.fields.filter((field) => !(kind.setOnCreate && field in kind.setOnCreate)));
		const linkChanges = changedFields(kind, row, current, links);
		if (Object.keys(changes).length > 0) diff.update.push({ id, changes });
		if (Object.keys(linkChanges).length > 0) diff.links.push({ id, changes: linkChanges });
		if (Object.keys(changes).length > 0 || Object.keys(linkChanges).length > 0) diff.updated.push(id);
		else diff.unchanged.push(id);
	}
	return diff;
}

function withoutLinks(row: Row, links: readonly string[]): Row {
	return Object.fromEntries(Object.entries(row).filter(([field]) => !links.includes(field)));
}

function changedFields(kind: SystemKind, desired: Row, current: Row, fields: readonly string[]): Row {
	const changes: Row = {};
	for (const field of fields) {
		if (!(field in desired)) continue;
		const asInstant = kind.timestamps?.includes(field) ?? false;
		if (!sameValue(desired[field], current[field], asInstant)) changes[field] = desired[field];
	}
	return changes;
}

/** Equal as Directus stores them: null = missing, objects by content (key order aside), instants by time. */
export function sameValue(a: unknown, b: unknown, asInstant = false): boolean {
	return valuesEqual(a, b, asInstant ? 'timestamp' : undefined);
}
