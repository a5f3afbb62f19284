import type { SchemaOverview } from '@directus/types';
import { SourceItems } from '../items/source-reader.js';
import type { MigrationContext } from '../operation.js';
import { modelCollection, withStoredHashes } from '../plan/collection-model.js';
import { checksumsOf, type ChunkChecksums } from '../verify/chunk.js';
import type { EndpointContext } from './routes.js';
import { ReceiverRefusal } from './write-items.js';

/**
 * A chunk's checksums computed where the rows are (the destination): its rows read the way the
 * source reads its own (exact 64-bit integers on SQLite, stored hashes), canonicalised by the same
 * code (src/lib/verify/chunk.ts). Only checksums go back, and row checksums when the chunk differs.
 */
export async function destinationChecksums(
	context: EndpointContext,
	schema: SchemaOverview,
	collection: string,
	body: { keys: (string | number)[]; fields: string[]; types: Record<string, string>; checksum: string },
): Promise<ChunkChecksums> {
	if (!schema.collections[collection] || collection.startsWith('directus_')) {
		throw new ReceiverRefusal(404, 'UNKNOWN_COLLECTION', `The destination has no user collection "${collection}".`);
	}
	const model = withStoredHashes(modelCollection(schema, collection), schema);
	const unknown = body.fields.filter((field) => !model.fields.includes(field));
	if (unknown.length > 0) throw new ReceiverRefusal(400, 'UNKNOWN_FIELD', `Not stored fields of ${collection} on the destination: ${unknown.join(', ')}`);
	const reader = new SourceItems(context as unknown as MigrationContext, schema);
	const rows = [];
	const filter = { [model.primaryKey]: { _in: body.keys } };
	for await (const batch of reader.batches(model, filter, body.fields, body.keys.length, body.keys.length)) rows.push(...batch);
	return checksumsOf(rows, model.primaryKey, body.fields, body.types, body.checksum);
}
