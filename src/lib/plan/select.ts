import type { Filter, SchemaOverview } from '@directus/types';
import type { DestinationClient } from '../destination/client.js';
import { invalidOptions } from '../errors.js';
import { collectionNameProblems } from '../options/scope.js';
import { and, type SourceItems } from '../items/source-reader.js';
import type { Warning } from '../report.js';
import { SyncMarker } from '../sync-marker.js';
import { modelCollection, userCollections, type CollectionModel } from './collection-model.js';
import { planWriteOrder, type CycleLink } from './dependency-order.js';
import { planRelatedRows } from './related-rows.js';
import type { MigrationPlan, PlannedCollection } from './plan.js';

export interface Selection {
	collections: string[];
	excludeCollections: string[];
	updatedAfter?: string | undefined;
	keys: (string | number)[];
	filter?: Record<string, unknown> | undefined;
	includeRelated: boolean;
	includeFiles: boolean;
}


const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Checks a selection against the source schema, before anything is read or written. */
export function validateSelection(schema: SchemaOverview, selection: Selection): string[] {
	const known = new Set(userCollections(schema));
	const problems = collectionNameProblems(known, selection);
	const updatedAfter = selection.updatedAfter;
	if (updatedAfter !== undefined && updatedAfter !== 'auto' && (!ISO_DATE_TIME.test(updatedAfter) || Number.isNaN(Date.parse(updatedAfter)))) {
		problems.push({ option: 'updatedAfter', problem: `"${updatedAfter}" is not an ISO date-time or "auto"` });
	}
	const picksItems = selection.keys.length > 0 || selection.filter !== undefined;
	if (picksItems && selection.collections.length !== 1) {
		problems.push({ option: selection.keys.length > 0 ? 'keys' : 'filter', problem: 'needs exactly one collection in collections' });
	}
	if (selection.filter !== undefined && selection.collections.length === 1 && known.has(selection.collections[0]!)) {
		const fields = schema.collections[selection.collections[0]!]!.fields;
		for (const field of filterFields(selection.filter)) {
			if (!(field in fields)) problems.push({ option: 'filter', problem: `"${field}" is not a field of ${selection.collections[0]}` });
		}
	}
	if (selection.includeRelated && !picksItems) {
		problems.push({ option: 'includeRelated', problem: 'works with keys or filter (a whole collection needs no related rows added)' });
	}
	if (problems.length > 0) throw invalidOptions(problems);

	if (selection.excludeCollections.length > 0) {
		const excluded = new Set(selection.excludeCollections);
		return [...known].filter((name) => !excluded.has(name));
	}
	return selection.collections.length > 0 ? [...selection.collections] : [...known];
}

/** The field names a filter uses at its top level (inside _and / _or too). */
function filterFields(filter: Record<string, unknown>): string[] {
	const fields: string[] = [];
	for (const [key, value] of Object.entries(filter)) {
		if (key === '_and' || key === '_or') {
			if (Array.isArray(value)) for (const part of value) fields.push(...filterFields(part as Record<string, unknown>));
		} else if (!key.startsWith('_')) {
			fields.push(key.split('.')[0]!.replace(/^(\w+)\(.*\)$/, '$1'));
		}
	}
	return fields;
}

/** Items changed since `since`: by date_updated, else date_created; rows with neither date always count. */
export function changedSince(model: CollectionModel, since: string): Filter | null {
	const updated = model.stamps.dateUpdated[0];
	const created = model.stamps.dateCreated[0];
	if (!updated && !created) return null;
	const parts: Filter[] = [];
	if (updated) parts.push({ [updated]: { _gte: since } } as Filter);
	if (created) parts.push(and(updated ? ({ [updated]: { _null: true } } as Filter) : null, { [created]: { _gte: since } } as Filter)!);
	parts.push(and(...[updated, created].filter(Boolean).map((field) => ({ [field!]: { _null: true } }) as Filter))!);
	return { _or: parts } as Filter;
}

/**
 * Decides what moves: the selected collections with their criteria and counts, the rows their chosen
 * items need (includeRelated), the write order with the links of cycles deferred, and the files.
 */
export async function planMigration(
	schema: SchemaOverview,
	source: SourceItems,
	client: DestinationClient,
	selection: Selection,
	options: { marker: SyncMarker; batchSize: number },
): Promise<{ plan: MigrationPlan; warnings: Warning[] }> {
	const createdAt = new Date().toISOString();
	const selected = validateSelection(schema, selection);
	const warnings: Warning[] = [];
	const models = new Map(selected.map((collection) => [collection, modelCollection(schema, collection)]));
	const picksItems = selection.keys.length > 0 || selection.filter !== undefined;
	const auto = selection.updatedAfter === 'auto';
	const watermarks = auto ? await options.marker.watermarks() : {};

	const planned = new Map<string, PlannedCollection>();
	for (const [collection, model] of models) {
		const since = auto ? (watermarks[collection] ?? null) : (selection.updatedAfter ?? null);
		const sinceFilter = since ? changedSince(model, since) : null;
		if (since && !sinceFilter) {
			warnings.push({
				code: 'NO_DATE_FIELDS',
				collection,
				message: `${collection} has no date-created or date-updated field: all its items are compared.`,
			});
		}
		const keysFilter = selection.keys.length > 0 ? ({ [model.primaryKey]: { _in: selection.keys } } as Filter) : null;
		const filter = and(sinceFilter, keysFilter, (selection.filter as Filter | undefined) ?? null);
		planned.set(collection, {
			collection,
			primaryKey: model.primaryKey,
			singleton: model.singleton,
			filter,
			items: await source.count(collection, filter),
			since: sinceFilter ? since : null,
			related: false,
			createOnly: false,
		});
	}

	if (selection.includeRelated && picksItems) {
		await addRelatedRows(schema, source, planned, models);
	}

	const order = planWriteOrder([...planned.keys()].map((collection) => models.get(collection)!));
	assertWritable(order.requiredCycles, planned);
	const collections = order.order.map((collection) => planned.get(collection)!);
	const relations = [...models.values()].flatMap((model) =>
		model.links
			.filter((link) => link.related && planned.has(model.collection))
			.map((link) => ({ collection: model.collection, field: link.field, related: link.related! })),
	);
	const references = relations
		.filter((relation) => relation.related === 'directus_files')
		.map(({ collection, field }) => ({ collection, field }));

	return {
		plan: {
			kind: 'directus-migration-plan',
			version: 1,
			createdAt,
			collections,
			deferred: order.deferred,
			relations,
			files: { included: selection.includeFiles, references: selection.includeFiles ? references : [], count: 0, bytes: 0, folders: 0 },
			marker: !picksItems && (auto || selection.updatedAfter === undefined) ? { collections: selected } : null,
		},
		warnings,
	};
}

/**
 * For items chosen by keys or filter: the rows they need (junction rows, M2A blocks, linked rows a few
 * levels deep), each collection as a criteria filter derived from the chosen one, with its count.
 */
async function addRelatedRows(
	schema: SchemaOverview,
	source: SourceItems,
	planned: Map<string, PlannedCollection>,
	models: Map<string, CollectionModel>,
): Promise<void> {
	const modelOf = (collection: string) => {
		let model = models.get(collection);
		if (!model) {
			model = modelCollection(schema, collection);
			models.set(collection, model);
		}
		return model;
	};
	const chosen = [...planned.values()][0]!;
	if (!chosen.filter || chosen.items === 0) return;
	for (const related of planRelatedRows({ collection: chosen.collection, filter: chosen.filter }, schema.relations, modelOf)) {
		const existing = planned.get(related.collection);
		if (existing) {
			existing.filter = existing.filter === null ? null : ({ _or: [existing.filter, related.filter] } as Filter);
		} else {
			const model = modelOf(related.collection);
			planned.set(related.collection, {
				collection: related.collection,
				primaryKey: model.primaryKey,
				singleton: model.singleton,
				filter: related.filter,
				items: 0,
				since: null,
				related: true,
				createOnly: related.createOnly,
			});
		}
		const entry = planned.get(related.collection)!;
		entry.items = await source.count(related.collection, entry.filter);
	}
}

/** Refuses, before any write, a selection whose rows no order can write (a cycle of required links). */
export function assertWritable(cycles: CycleLink[][], planned: Map<string, PlannedCollection>): void {
	const blocking = cycles.filter((links) => links.some((link) => (planned.get(link.collection)?.items ?? 0) > 0));
	if (blocking.length === 0) return;
	const problems = blocking.map((links) => ({
		option: 'collections',
		problem:
			`the required (NOT NULL) links ${links.map((link) => `${link.collection}.${link.field} → ${link.related}`).join(', ')} form a cycle: ` +
			'no row of it can be written before the others exist. Make one of these fields nullable (it is then written in a second pass), or leave one collection out.',
	}));
	const error = invalidOptions(problems);
	(error.details as Record<string, unknown>)['requiredCycles'] = blocking;
	throw error;
}
