import type { Filter, SchemaOverview } from '@directus/types';
import { and, type SourceItems } from '../items/source-reader.js';
import { modelCollection } from '../plan/collection-model.js';
import type { MigrationPlan } from '../plan/plan.js';

/** Past this many ids, a run forgets which files it has seen: a repeat then costs a look-up, never a wrong write. */
const MAX_REMEMBERED_FILE_IDS = 50_000;

/**
 * The ids of the files the plan's rows reference, a batch at a time, read through `source` (so an
 * `auto` run's rows picked up as missing bring their files too). Each id comes once per batch, and
 * once per run up to MAX_REMEMBERED_FILE_IDS ids: memory stays bounded whatever the table size.
 */
export async function* referencedFileIds(source: SourceItems, schema: SchemaOverview, plan: MigrationPlan, batchSize: number): AsyncGenerator<string[]> {
	let seen = new Set<string>();
	for (const { planned, fields } of referencingCollections(plan)) {
		const model = modelCollection(schema, planned.collection);
		for await (const rows of source.batches(model, planned.filter, [model.primaryKey, ...fields], batchSize, planned.items)) {
			const fresh: string[] = [];
			for (const row of rows) {
				for (const field of fields) {
					const id = row[field];
					if (typeof id !== 'string' || seen.has(id)) continue;
					if (seen.size >= MAX_REMEMBERED_FILE_IDS) seen = new Set();
					seen.add(id);
					fresh.push(id);
				}
			}
			if (fresh.length > 0) yield fresh;
		}
	}
}

/**
 * How many distinct files the plan's rows reference, and their bytes, exactly and in bounded memory:
 * a small selection's references are read directly; a large one walks `directus_files` by key, a page
 * at a time, keeping the page's ids that a planned row references (one grouped query per reference).
 */
export async function countReferencedFiles(
	source: SourceItems,
	schema: SchemaOverview,
	plan: MigrationPlan,
	batchSize: number,
): Promise<{ count: number; bytes: number }> {
	const referencing = referencingCollections(plan);
	const filesModel = modelCollection(schema, 'directus_files');
	const total = { count: 0, bytes: 0 };
	const add = (files: Record<string, unknown>[]) => {
		total.count += files.length;
		total.bytes += files.reduce((sum, file) => sum + Number(file['filesize'] ?? 0), 0);
	};
	const rowsToRead = referencing.reduce((sum, { planned }) => sum + planned.items, 0);
	if (rowsToRead <= batchSize * 10) {
		const ids = new Set<string>();
		for await (const batch of referencedFileIds(source, schema, plan, batchSize)) batch.forEach((id) => ids.add(id));
		for (let start = 0; start < ids.size; start += batchSize) {
			const page = [...ids].slice(start, start + batchSize);
			for await (const files of source.batches(filesModel, { id: { _in: page } } as Filter, ['id', 'filesize'], page.length, page.length)) add(files);
		}
		return total;
	}
	for await (const files of source.batches(filesModel, null, ['id', 'filesize'], batchSize)) {
		const ids = files.map((file) => file['id']);
		const referenced = new Set<string>();
		for (const { planned, fields } of referencing) {
			for (const field of fields) {
				const values = await source.distinctValues(planned.collection, field, and(planned.filter, { [field]: { _in: ids } } as Filter));
				for (const value of values) referenced.add(String(value));
			}
		}
		add(files.filter((file) => referenced.has(String(file['id']))));
	}
	return total;
}

/** The planned collections holding file references, with their file fields. */
function referencingCollections(plan: MigrationPlan) {
	const fieldsOf = new Map<string, string[]>();
	for (const reference of plan.files.references) fieldsOf.set(reference.collection, [...(fieldsOf.get(reference.collection) ?? []), reference.field]);
	return plan.collections.filter((planned) => fieldsOf.has(planned.collection)).map((planned) => ({ planned, fields: fieldsOf.get(planned.collection)! }));
}
