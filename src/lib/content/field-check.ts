import type { SchemaOverview } from '@directus/types';
import type { DestinationClient } from '../destination/client.js';
import { MigrationError } from '../errors.js';
import { isMissingRoute } from '../destination/failures.js';
import { RECEIVER_ID } from '../receiver/protocol.js';
import { modelCollection, withStoredHashes } from '../plan/collection-model.js';
import type { MigrationPlan } from '../plan/plan.js';
import type { Warning } from '../report.js';

/** The fields each collection has on the destination (one request: the receiver's, else GET /fields). */
export type DestinationFields = Map<string, Set<string>>;

export async function readDestinationFields(client: DestinationClient): Promise<DestinationFields> {
	if (client.writePath.kind === 'receiver') {
		// The receiver answers from the schema Directus holds in memory; one of an earlier version has no such route.
		try {
			const named = await client.send<Record<string, string[]>>({ method: 'GET', path: `/${RECEIVER_ID}/fields` });
			return new Map(Object.entries(named).map(([collection, fields]) => [collection, new Set(fields)]));
		} catch (error) {
			if (!isMissingRoute(error)) throw error;
		}
	}
	const fields = await client.send<{ collection: string; field: string }[] | null>({ method: 'GET', path: '/fields' });
	const byCollection: DestinationFields = new Map();
	for (const { collection, field } of fields ?? []) {
		let known = byCollection.get(collection);
		if (!known) byCollection.set(collection, (known = new Set()));
		known.add(field);
	}
	return byCollection;
}

/** Why a field of a planned collection is not written. */
export type NotCopiedReason = 'hash' | 'conceal' | 'missing-on-destination';

/**
 * What a content run can write, decided before its first write: per planned collection, the source
 * fields it leaves out and why (hashed and concealed fields, which the source only returns masked;
 * fields the destination lacks), and the planned collections the destination lacks altogether.
 */
export interface FieldCheck {
	missingCollections: string[];
	/** collection → field → reason. */
	leftOut: Record<string, Record<string, NotCopiedReason>>;
}

export function checkFields(schema: SchemaOverview, plan: MigrationPlan, destination: DestinationFields, options: { storedHashes?: boolean } = {}): FieldCheck {
	const check: FieldCheck = { missingCollections: [], leftOut: {} };
	for (const { collection } of plan.collections) {
		const plain = modelCollection(schema, collection);
		const model = options.storedHashes ? withStoredHashes(plain, schema) : plain;
		const fields = schema.collections[collection]!.fields;
		const leftOut: Record<string, NotCopiedReason> = {};
		for (const field of model.concealed) leftOut[field] = fields[field]!.special.includes('hash') ? 'hash' : 'conceal';
		const present = destination.get(collection);
		if (!present) {
			check.missingCollections.push(collection);
		} else {
			for (const field of model.fields) if (!present.has(field)) leftOut[field] = 'missing-on-destination';
		}
		if (Object.keys(leftOut).length > 0) check.leftOut[collection] = leftOut;
	}
	return check;
}

/** Fields the destination lacks, per collection (hashed and concealed fields are not a mismatch). */
export function missingFields(check: FieldCheck): Record<string, string[]> {
	const missing: Record<string, string[]> = {};
	for (const [collection, fields] of Object.entries(check.leftOut)) {
		const names = Object.entries(fields).filter(([, reason]) => reason === 'missing-on-destination').map(([field]) => field);
		if (names.length > 0) missing[collection] = names;
	}
	return missing;
}

export function isSchemaMismatch(check: FieldCheck): boolean {
	return check.missingCollections.length > 0 || Object.keys(missingFields(check)).length > 0;
}

/** SCHEMA_MISMATCH naming every collection the destination lacks and every field it lacks, by collection. */
export function schemaMismatch(check: FieldCheck): MigrationError {
	const missing = missingFields(check);
	const parts = [
		...check.missingCollections.map((collection) => `collection ${collection} is missing`),
		...Object.entries(missing).map(([collection, fields]) => `${collection} lacks ${fields.join(', ')}`),
	];
	return new MigrationError(
		'SCHEMA_MISMATCH',
		`The destination's schema lacks what this run would write (${parts.join('; ')}). Nothing was written. Run migration-schema-sync first, or set force: true to migrate only what both sides have.`,
		{ details: { missingCollections: check.missingCollections, missingFields: missing } },
	);
}

/** One warning per field or collection left out, so the report names everything the run did not copy. */
export function notCopiedWarnings(check: FieldCheck): Warning[] {
	const warnings: Warning[] = check.missingCollections.map((collection) => ({
		code: 'COLLECTION_NOT_COPIED',
		collection,
		reason: 'missing-on-destination',
		message: `${collection}: the destination has no such collection; none of its items were copied (force).`,
	}));
	for (const [collection, fields] of Object.entries(check.leftOut)) {
		if (check.missingCollections.includes(collection)) continue;
		for (const [field, reason] of Object.entries(fields)) {
			warnings.push({ code: 'FIELD_NOT_COPIED', collection, field, reason, message: `${collection}.${field}: ${NOT_COPIED_MESSAGES[reason]}` });
		}
	}
	return warnings;
}

const NOT_COPIED_MESSAGES: Record<NotCopiedReason, string> = {
	hash: 'a hashed field (e.g. a password); the source only gives out its mask, so it was not copied.',
	conceal: 'a concealed field; the source only gives out its mask, so it was not copied.',
	'missing-on-destination': 'the destination has no such field; it was not copied (force).',
};

/**
 * The source schema as this run may write it: without the collections and fields it leaves out, so
 * that every step downstream (reading, comparing, links) simply never sees them.
 */
export function writableSchema(schema: SchemaOverview, check: FieldCheck): SchemaOverview {
	if (check.missingCollections.length === 0 && Object.keys(missingFields(check)).length === 0) return schema;
	const collections = { ...schema.collections };
	for (const collection of check.missingCollections) delete collections[collection];
	for (const [collection, fields] of Object.entries(missingFields(check))) {
		const overview = collections[collection];
		if (!overview) continue;
		const kept = Object.fromEntries(Object.entries(overview.fields).filter(([field]) => !fields.includes(field)));
		collections[collection] = { ...overview, fields: kept };
	}
	// A link into a collection the destination lacks is copied as a plain value, never looked up there.
	const relations = schema.relations.filter(
		(relation) => !check.missingCollections.includes(relation.collection) && !check.missingCollections.includes(relation.related_collection ?? ''),
	);
	return { ...schema, collections, relations };
}

/** The plan without what the run leaves out (collections the destination lacks, deferred links it lacks). */
export function writablePlan(plan: MigrationPlan, check: FieldCheck): MigrationPlan {
	const missing = missingFields(check);
	const deferred = Object.fromEntries(
		Object.entries(plan.deferred)
			.filter(([collection]) => !check.missingCollections.includes(collection))
			.map(([collection, fields]) => [collection, fields.filter((field) => !missing[collection]?.includes(field))]),
	);
	return { ...plan, collections: plan.collections.filter((planned) => !check.missingCollections.includes(planned.collection)), deferred };
}
