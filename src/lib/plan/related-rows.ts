import type { Filter, Relation } from '@directus/types';
import { isSystemCollection } from '../source.js';
import { linkTargets, type CollectionModel } from './collection-model.js';

/** Rows of one collection that chosen items need, as criteria (a Directus filter), never as a key list. */
export interface RelatedRows {
	collection: string;
	filter: Filter;
	/**
	 * true for rows reached only through an M2O link (an author, a category): created when the
	 * destination lacks them, left as they are otherwise. false for rows that belong to the chosen
	 * items (junction rows, M2A blocks): written like the chosen items themselves.
	 */
	createOnly: boolean;
}

/** How many links deep rows are followed from the chosen items. */
export const RELATED_DEPTH = 5;

/**
 * The rows that items of `chosen` (matching `filter`) need on the destination, level by level:
 * their junction rows (M2M, M2A, translations), the blocks an M2A junction points at, the rows any
 * of these link to (M2O, a few levels deep), and the junction rows of blocks. Each set is a filter
 * on its collection, derived from the filter of the set it is reached from:
 * - junction rows of X: `{ <junction field>: <X's filter> }` (through the M2O back to X);
 * - rows of T linked by X.f: `{ "$FOLLOW(X,f)": { _some: <X's filter> } }` (Directus's implicit reverse relation);
 * - blocks of an M2A item field: `{ "$FOLLOW(X,item,collection)": { _some: <X's filter> and collection = T } }`.
 * The result's size follows the schema and the chosen filter, never the number of rows. It may name
 * the chosen collection itself (an item linking to another item of its own collection).
 */
export function planRelatedRows(
	chosen: { collection: string; filter: Filter },
	relations: Relation[],
	modelOf: (collection: string) => CollectionModel,
): RelatedRows[] {
	const found = new Map<string, RelatedRows>();
	const add = (collection: string, filter: Filter, createOnly: boolean) => {
		const existing = found.get(collection);
		if (!existing) {
			found.set(collection, { collection, filter, createOnly });
			return;
		}
		existing.filter = { _or: [...orParts(existing.filter), filter] } as Filter;
		existing.createOnly &&= createOnly;
	};

	interface Level {
		collection: string;
		filter: Filter;
		/** Rows that belong to the chosen items: their own junction rows and blocks are followed too. */
		owned: boolean;
		/** The link back to the set this one was reached from (a junction's parent field): not followed. */
		back?: string;
	}
	let frontier: Level[] = [{ collection: chosen.collection, filter: chosen.filter, owned: true }];
	for (let depth = 0; depth < RELATED_DEPTH && frontier.length > 0; depth++) {
		const next = new Map<string, Level>();
		const reach = (level: Level) => {
			add(level.collection, level.filter, !level.owned);
			const key = `${level.collection}\u0000${level.owned}\u0000${level.back ?? ''}`;
			const existing = next.get(key);
			if (existing) existing.filter = { _or: [...orParts(existing.filter), level.filter] } as Filter;
			else next.set(key, { ...level });
		};

		for (const set of frontier) {
			if (set.owned) {
				for (const relation of junctionsOf(set.collection, relations)) {
					reach({ collection: relation.collection, filter: through(relation.field, set.filter), owned: true, back: relation.field });
				}
			}
			const { primaryKey, links } = modelOf(set.collection);
			for (const link of links) {
				if (link.field === set.back) continue;
				if (link.related) {
					if (isSystemCollection(link.related)) continue;
					const follow = `$FOLLOW(${set.collection},${link.field})`;
					reach({ collection: link.related, filter: { [follow]: { _some: some(primaryKey, [set.filter]) } } as Filter, owned: false });
				} else if (link.collectionField) {
					for (const target of linkTargets(link)) {
						if (isSystemCollection(target)) continue;
						const follow = `$FOLLOW(${set.collection},${link.field},${link.collectionField})`;
						const rows = some(primaryKey, [set.filter, { [link.collectionField]: { _eq: target } } as Filter]);
						reach({ collection: target, filter: { [follow]: { _some: rows } } as Filter, owned: set.owned });
					}
				}
			}
		}
		frontier = [...next.values()];
	}
	return [...found.values()];
}

/**
 * The inside of a `_some`: Directus reads its first key as a field path (a logical operator first makes
 * it skip the whole condition), then applies all of it in the subquery. So it starts with an always-true
 * condition on the key, and the filters follow under `_and`.
 */
function some(primaryKey: string, filters: Filter[]): Filter {
	return { [primaryKey]: { _nnull: true }, _and: filters } as Filter;
}

/** Relations whose rows are junction rows of `collection` (M2M, M2A and translations junctions pointing at it). */
function junctionsOf(collection: string, relations: Relation[]): Relation[] {
	return relations.filter(
		(relation) => relation.related_collection === collection && !!relation.meta?.junction_field && !isSystemCollection(relation.collection),
	);
}

/**
 * `filter` on the rows an M2O field points at, as a filter on the rows holding the field. Directus
 * reads only the first key of a relational filter and no logical operator inside one, so logical
 * operators and several keys are lifted out: `{ f: { _and: [a, b] } }` becomes `{ _and: [{ f: a }, { f: b }] }`.
 */
export function through(field: string, filter: Filter): Filter {
	const parts = Object.entries(filter as Record<string, unknown>).map(([key, value]): Filter => {
		if ((key === '_and' || key === '_or') && Array.isArray(value)) {
			return { [key]: value.map((part) => through(field, part as Filter)) } as Filter;
		}
		return { [field]: { [key]: value } } as Filter;
	});
	return parts.length === 1 ? parts[0]! : ({ _and: parts } as Filter);
}

function orParts(filter: Filter): Filter[] {
	const record = filter as Record<string, unknown>;
	return Object.keys(record).length === 1 && Array.isArray(record['_or']) ? (record['_or'] as Filter[]) : [filter];
}
