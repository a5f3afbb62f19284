import type { SchemaOverview } from '@directus/types';
import { SourceItems } from '../items/source-reader.js';
import { databaseVendor, MAX_STORED_CHUNK, readStoredRows, storedRowText } from '../items/stored-rows.js';
import { canonicalRow } from '../compare/normalize.js';
import type { MigrationContext } from '../operation.js';
import { modelCollection, withStoredHashes, type CollectionModel } from '../plan/collection-model.js';
import { checksumsOf, type ChunkChecksums } from '../verify/chunk.js';
import { MAX_RECEIVER_ROWS, type ChecksumsBody } from './protocol.js';
import type { EndpointContext } from './routes.js';
import { ReceiverRefusal } from './write-items.js';
import { rangesSize } from './absent-keys.js';

/**
 * A chunk's checksums computed where the rows are (the destination), canonicalised by the same code
 * as the source's (src/lib/verify/chunk.ts). Its rows are read the way the source read its own:
 * through the items service (exact 64-bit integers on SQLite, stored hashes), or as stored
 * (`stored`, on a database of the source's vendor only). Only checksums go back, and row checksums
 * when the chunk differs.
 */
export async function destinationChecksums(context: EndpointContext, schema: SchemaOverview, collection: string, body: ChecksumsBody): Promise<ChunkChecksums> {
	if (!schema.collections[collection] || collection.startsWith('directus_')) {
		throw new ReceiverRefusal(404, 'UNKNOWN_COLLECTION', `The destination has no user collection "${collection}".`);
	}
	const model = withStoredHashes(modelCollection(schema, collection), schema);
	const unknown = body.fields.filter((field) => !model.fields.includes(field));
	if (unknown.length > 0) throw new ReceiverRefusal(400, 'UNKNOWN_FIELD', `Not stored fields of ${collection} on the destination: ${unknown.join(', ')}`);
	const rows = body.stored ? await storedRows(context, model.collection, model.primaryKey, model.types, body) : await serviceRows(context, schema, model, body);
	return checksumsOf(rows, model.primaryKey, body.fields, body.types, body.checksum, body.stored ? storedRowText : canonicalRow);
}

function serviceRows(context: EndpointContext, schema: SchemaOverview, model: CollectionModel, body: ChecksumsBody) {
	if ('keys' in body && body.keys.length > MAX_RECEIVER_ROWS) throw new ReceiverRefusal(413, 'PAYLOAD_TOO_LARGE', `A chunk read through the items service holds at most ${MAX_RECEIVER_ROWS} rows.`);
	return new SourceItems(context as unknown as MigrationContext, schema).rowsWithKeys(model, 'keys' in body ? body.keys : [], body.fields);
}

/** The chunk's rows as stored, on a database of the vendor the source read its own on. */
async function storedRows(context: EndpointContext, collection: string, primaryKey: string, types: Record<string, string>, body: ChecksumsBody) {
	const vendor = databaseVendor(context.database);
	if (vendor !== body.stored) {
		throw new ReceiverRefusal(409, 'VENDOR_MISMATCH', `The source read its rows as stored on ${body.stored}, the destination runs ${vendor}: compare them through the items service.`);
	}
	if ('ranges' in body) rangesSize(collection, types[primaryKey], body.ranges, MAX_STORED_CHUNK);
	return readStoredRows(context.database, body.stored!, collection, primaryKey, body.fields, types, 'ranges' in body ? { ranges: body.ranges } : { keys: body.keys });
}
