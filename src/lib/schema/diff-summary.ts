import type { SnapshotDiff } from '@directus/types';
import { isRelationSpelling, isVendorSpelling } from './vendor-conversion.js';

export type SchemaDiffMode = 'merge' | 'mirror';
export type Change = 'create' | 'update' | 'delete';

export interface ChangeLists {
	create: string[];
	update: string[];
	delete: string[];
}

export interface CollectionChanges {
	/** What happens to the collection itself; null when only its fields or relations change. */
	change: Change | null;
	fields: ChangeLists;
	relations: ChangeLists;
}

export interface ChangeCounts {
	create: number;
	update: number;
	delete: number;
}

export interface SchemaDiffSummary {
	inSync: boolean;
	counts: { collections: ChangeCounts; fields: ChangeCounts; relations: ChangeCounts; systemFields: number };
	collections: Record<string, CollectionChanges>;
}

interface DiffEntry {
	collection: string;
	diff: { kind: string; path?: unknown[] }[];
}

/** A whole-entity diff has no path: N = created, D = deleted; anything else changes properties. */
export function changeOf(entry: DiffEntry): Change {
	const first = entry.diff[0];
	if (first && first.path === undefined) {
		if (first.kind === 'N') return 'create';
		if (first.kind === 'D') return 'delete';
	}
	return 'update';
}

/**
 * A column's database type name alone (`char` or `varchar` for the same Directus `uuid` field on
 * SQLite) is not a schema difference: Directus re-creates it its own way and would report it forever.
 */
function withoutColumnTypeNames<T extends DiffEntry>(entry: T): T {
	const diff = entry.diff.filter(
		(change) => !(change.kind === 'E' && change.path?.length === 2 && change.path[0] === 'schema' && change.path[1] === 'data_type'),
	);
	return diff.length === entry.diff.length ? entry : { ...entry, diff };
}

/**
 * Across database vendors, the changes that are only how the other vendor spells the same field or
 * relation (see vendor-conversion.ts): `types` are the source's Directus types, by `collection.field`.
 */
function withoutVendorSpellings<T extends DiffEntry & { field?: string }>(entry: T, types: Record<string, string> | null): T {
	if (!types) return entry;
	const type = entry.field === undefined ? undefined : types[`${entry.collection}.${entry.field}`];
	const diff = entry.diff.filter((change) => !(entry.field !== undefined && 'related_collection' in entry ? isRelationSpelling(change) : isVendorSpelling(change, type)));
	return diff.length === entry.diff.length ? entry : { ...entry, diff };
}

/**
 * Keeps what this sync may do: in `merge` mode no collection, field or relation is deleted; with a
 * scope, nothing outside it is touched. Directus 12 already does both; older destinations do not.
 * Across database vendors (`acrossVendors`: the source's field types), what is only spelled
 * differently is no change.
 */
export function restrictDiff(
	diff: SnapshotDiff,
	mode: SchemaDiffMode,
	scope: Set<string> | null,
	acrossVendors: Record<string, string> | null = null,
): SnapshotDiff {
	const allowed = (entry: DiffEntry) =>
		entry.diff.length > 0 &&
		(scope === null || scope.has(entry.collection)) &&
		(mode === 'mirror' || changeOf(entry) !== 'delete');
	return {
		collections: diff.collections.filter(allowed),
		fields: diff.fields.map(withoutColumnTypeNames).map((entry) => withoutVendorSpellings(entry, acrossVendors)).filter(allowed),
		systemFields: (diff.systemFields ?? [])
			.map((entry) => withoutVendorSpellings(entry as DiffEntry & { field: string }, acrossVendors))
			.filter((entry) => entry.diff.length > 0 && (scope === null || scope.has(entry.collection))) as SnapshotDiff['systemFields'],
		relations: diff.relations.map((entry) => withoutVendorSpellings(entry, acrossVendors)).filter(allowed),
	};
}

/** The Directus type of every field of a snapshot, by `collection.field`. */
export function fieldTypes(snapshot: { fields: { collection: string; field: string; type: string }[] }): Record<string, string> {
	return Object.fromEntries(snapshot.fields.map((entry) => [`${entry.collection}.${entry.field}`, entry.type]));
}

export function isEmptyDiff(diff: SnapshotDiff | null): boolean {
	return (
		!diff ||
		(diff.collections.length === 0 &&
			diff.fields.length === 0 &&
			diff.relations.length === 0 &&
			(diff.systemFields ?? []).length === 0)
	);
}

const emptyLists = (): ChangeLists => ({ create: [], update: [], delete: [] });
const emptyCounts = (): ChangeCounts => ({ create: 0, update: 0, delete: 0 });

/** A readable summary of a diff: per collection, what is created, updated and deleted. */
export function summarizeDiff(diff: SnapshotDiff | null): SchemaDiffSummary {
	const summary: SchemaDiffSummary = {
		inSync: isEmptyDiff(diff),
		counts: { collections: emptyCounts(), fields: emptyCounts(), relations: emptyCounts(), systemFields: 0 },
		collections: {},
	};
	if (!diff) return summary;
	const changesOf = (collection: string): CollectionChanges =>
		(summary.collections[collection] ??= { change: null, fields: emptyLists(), relations: emptyLists() });

	for (const entry of diff.collections) {
		const change = changeOf(entry);
		changesOf(entry.collection).change = change;
		summary.counts.collections[change]++;
	}
	for (const entry of diff.fields) {
		const change = changeOf(entry);
		changesOf(entry.collection).fields[change].push(entry.field);
		summary.counts.fields[change]++;
	}
	for (const entry of diff.relations) {
		const change = changeOf(entry);
		const target = entry.related_collection ? ` → ${entry.related_collection}` : '';
		changesOf(entry.collection).relations[change].push(`${entry.field}${target}`);
		summary.counts.relations[change]++;
	}
	summary.counts.systemFields = (diff.systemFields ?? []).length;
	return summary;
}

export function totalChanges(summary: SchemaDiffSummary): number {
	const sum = (counts: ChangeCounts) => counts.create + counts.update + counts.delete;
	const { collections, fields, relations, systemFields } = summary.counts;
	return sum(collections) + sum(fields) + sum(relations) + systemFields;
}
