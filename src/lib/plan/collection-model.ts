import type { SchemaOverview } from '@directus/types';
import { isSystemCollection } from '../source.js';

/** A many-to-one link of a collection: a field holding a key of `related` (or of one of `allowed`, for M2A). */
export interface Link {
	field: string;
	/** The related collection; null for the item field of an M2A junction (see `allowed`). */
	related: string | null;
	/** For an M2A item field: the collections it may point to and the field that names which one. */
	allowed?: string[];
	collectionField?: string;
	nullable: boolean;
}

/** What the migration needs to know of one collection, read from the source's schema overview. */
export interface CollectionModel {
	collection: string;
	primaryKey: string;
	/** true when Directus generates the key (auto-increment integers). */
	autoIncrement: boolean;
	singleton: boolean;
	/** Every field stored in the table (no alias fields such as O2M, M2M, M2A or presentation fields). */
	fields: string[];
	/** The Directus type of each field, for comparing values. */
	types: Record<string, string>;
	links: Link[];
	/** Fields Directus stamps on write, by kind. */
	stamps: { dateCreated: string[]; dateUpdated: string[]; userCreated: string[]; userUpdated: string[] };
	/** Hashed fields (passwords): the source only returns a mask, so they are never copied. */
	concealed: string[];
}

const STAMP_SPECIALS = {
	dateCreated: 'date-created',
	dateUpdated: 'date-updated',
	userCreated: 'user-created',
	userUpdated: 'user-updated',
} as const;

export function userCollections(schema: SchemaOverview): string[] {
	return Object.keys(schema.collections)
		.filter((collection) => !isSystemCollection(collection))
		.sort();
}

export function modelCollection(schema: SchemaOverview, collection: string): CollectionModel {
	const overview = schema.collections[collection];
	if (!overview) throw new Error(`Unknown collection ${collection}`);
	const stored = Object.values(overview.fields).filter((field) => !field.alias && field.type !== 'alias');
	const concealed = stored.filter((field) => field.special.includes('hash') || field.special.includes('conceal')).map((field) => field.field);
	const fields = stored.map((field) => field.field).filter((field) => !concealed.includes(field));
	const nullable = (field: string) => overview.fields[field]?.nullable ?? true;

	const links: Link[] = [];
	for (const relation of schema.relations) {
		if (relation.collection !== collection || !fields.includes(relation.field)) continue;
		if (relation.related_collection) {
			links.push({ field: relation.field, related: relation.related_collection, nullable: nullable(relation.field) });
		} else if (relation.meta?.one_allowed_collections) {
			links.push({
				field: relation.field,
				related: null,
				allowed: relation.meta.one_allowed_collections,
				collectionField: relation.meta.one_collection_field ?? undefined,
				nullable: nullable(relation.field),
			});
		}
	}

	const withSpecial = (special: string) =>
		stored.filter((field) => field.special.includes(special)).map((field) => field.field);
	const primary = overview.fields[overview.primary];
	return {
		collection,
		primaryKey: overview.primary,
		autoIncrement: primary?.defaultValue === 'AUTO_INCREMENT',
		singleton: overview.singleton,
		fields,
		types: Object.fromEntries(stored.map((field) => [field.field, field.type])),
		links,
		stamps: {
			dateCreated: withSpecial(STAMP_SPECIALS.dateCreated),
			dateUpdated: withSpecial(STAMP_SPECIALS.dateUpdated),
			userCreated: withSpecial(STAMP_SPECIALS.userCreated),
			userUpdated: withSpecial(STAMP_SPECIALS.userUpdated),
		},
		concealed,
	};
}

/**
 * The model of a run through the receiver: hashed fields are copied too, as their stored hash (the
 * source reads it from its table, the receiver writes it as it is), so they are compared as well.
 */
export function withStoredHashes(model: CollectionModel, schema: SchemaOverview): CollectionModel {
	const fields = schema.collections[model.collection]!.fields;
	const hashed = model.concealed.filter((field) => fields[field]?.special.includes('hash'));
	if (hashed.length === 0) return model;
	return { ...model, fields: [...model.fields, ...hashed], concealed: model.concealed.filter((field) => !hashed.includes(field)) };
}

/** The collections each link may point to (one for an M2O, several for an M2A item field). */
export function linkTargets(link: Link): string[] {
	return link.related ? [link.related] : (link.allowed ?? []);
}
