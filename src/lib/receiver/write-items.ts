import type { Accountability, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import type { ItemsWriteBody } from './protocol.js';

/**
 * The destination side of an item write: one batch of one user collection, in one transaction, with
 * the values exactly as sent. Runs inside the receiver endpoint of the destination Directus.
 */

/** A refusal the receiver answers with: an HTTP status, a stable code, and the rows it concerns. */
export class ReceiverRefusal extends Error {
	readonly status: number;
	readonly code: string;
	readonly refused: { key: unknown; reason: string }[];

	constructor(status: number, code: string, message: string, refused: { key: unknown; reason: string }[] = []) {
		super(message);
		this.status = status;
		this.code = code;
		this.refused = refused;
	}
}

/** Specials whose transform would replace the sent value (now, the token's user, a fresh hash). */
const OVERWRITING_SPECIALS = new Set(['date-created', 'date-updated', 'user-created', 'user-updated', 'hash']);

/**
 * The schema with this collection's stamping and hashing specials removed: Directus's own services
 * then write the values as sent (dates converted for the database as usual), not "now" or a re-hash.
 */
export function schemaWritingAsSent(schema: SchemaOverview, collection: string): SchemaOverview {
	const overview = schema.collections[collection]!;
	const fields = Object.fromEntries(
		Object.entries(overview.fields).map(([name, field]) => [name, { ...field, special: field.special.filter((special) => !OVERWRITING_SPECIALS.has(special)) }]),
	);
	return { ...schema, collections: { ...schema.collections, [collection]: { ...overview, fields } } };
}

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Why `value` cannot go into a field of `type` (null when it can); only types whose form is unambiguous. */
export function typeProblem(type: string, value: unknown): string | null {
	if (value === null || value === undefined) return null;
	switch (type) {
		case 'integer':
		case 'bigInteger':
			return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && INTEGER.test(value)) ? null : 'is not an integer';
		case 'float':
		case 'decimal':
			return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && NUMBER.test(value)) ? null : 'is not a number';
		case 'boolean':
			return typeof value === 'boolean' || value === 0 || value === 1 ? null : 'is not a boolean';
		case 'string':
		case 'text':
		case 'uuid':
		case 'hash':
		case 'date':
		case 'time':
		case 'dateTime':
		case 'timestamp':
			return typeof value === 'string' ? null : `is not a ${type === 'string' || type === 'text' || type === 'hash' ? 'string' : `${type} string`}`;
		default:
			return null;
	}
}

/**
 * Checks a batch against the destination's schema before anything is written: a user collection the
 * destination has, every field one of its stored fields, every value of the field's type, every row
 * with its key. Names are only ever used after this check (no SQL from unchecked names).
 */
export function checkBatch(schema: SchemaOverview, collection: string, body: Required<Pick<ItemsWriteBody, 'action' | 'rows'>>): void {
	const overview = schema.collections[collection];
	if (!overview || collection.startsWith('directus_')) {
		throw new ReceiverRefusal(404, 'UNKNOWN_COLLECTION', `The destination has no user collection "${collection}".`);
	}
	const key = overview.primary;
	const refused: { key: unknown; reason: string }[] = [];
	for (const row of body.rows) {
		const problems: string[] = [];
		if (row[key] === undefined || row[key] === null) problems.push(`has no ${key}`);
		for (const [name, value] of Object.entries(row)) {
			const field = overview.fields[name];
			if (!field || field.type === 'alias') {
				problems.push(`"${name}" is not a field of ${collection} on the destination`);
				continue;
			}
			const problem = typeProblem(field.type, value);
			if (problem) problems.push(`${name} ${problem}`);
		}
		if (problems.length > 0) refused.push({ key: row[key] ?? null, reason: problems.join('; ') });
	}
	if (refused.length === 0) return;
	const unknownField = refused.some(({ reason }) => reason.includes('is not a field of'));
	throw batchRefusal(unknownField ? 'UNKNOWN_FIELD' : 'INVALID_PAYLOAD', collection, refused);
}

/** A batch refused before anything was written (400), naming its first refused rows and listing all. */
export function batchRefusal(code: string, collection: string, refused: { key: unknown; reason: string }[]): ReceiverRefusal {
	const named = refused
		.slice(0, 5)
		.map((row) => `${String(row.key)}: ${row.reason}`)
		.join('; ');
	return new ReceiverRefusal(400, code, `${refused.length} row(s) of ${collection} refused, nothing of the batch was written: ${named}`, refused);
}

/**
 * The stored hashes of `fields` (each a hashed field of a user collection the destination has) for
 * these keys: what the source compares with its own stored hashes. Names are checked first.
 */
export async function readStoredHashes(
	database: Knex,
	schema: SchemaOverview,
	collection: string,
	body: { keys: (string | number)[]; fields: string[] },
): Promise<Record<string, unknown>[]> {
	const overview = schema.collections[collection];
	if (!overview || collection.startsWith('directus_')) {
		throw new ReceiverRefusal(404, 'UNKNOWN_COLLECTION', `The destination has no user collection "${collection}".`);
	}
	const notHashed = body.fields.filter((field) => !overview.fields[field]?.special.includes('hash'));
	if (notHashed.length > 0) throw new ReceiverRefusal(400, 'UNKNOWN_FIELD', `Not hashed fields of ${collection}: ${notHashed.join(', ')}`);
	const key = overview.primary;
	return database.select(key, ...body.fields).from(collection).whereIn(key, body.keys);
}

export interface ReceiverContext {
	services: {
		ItemsService: new (collection: string, options: { knex: Knex; schema: SchemaOverview; accountability: Accountability | null }) => any;
		PayloadService: new (collection: string, options: { knex: Knex; schema: SchemaOverview; accountability: Accountability | null }) => any;
	};
	database: Knex;
}

/**
 * Writes one checked batch in one transaction: it lands whole or not at all. Activity and revisions
 * only with `trackActivity` (the admin's accountability), hooks and Flows only with `emitEvents`; the
 * data cache is left for the run's end. On PostgreSQL the key's sequence is moved past copied keys.
 */
export async function writeBatch(
	context: ReceiverContext,
	schema: SchemaOverview,
	collection: string,
	body: { action: 'create' | 'update'; rows: Record<string, unknown>[]; trackActivity: boolean; emitEvents: boolean },
	accountability: Accountability | null,
): Promise<{ written: number }> {
	checkBatch(schema, collection, body);
	const writing = schemaWritingAsSent(schema, collection);
	const key = schema.collections[collection]!.primary;
	const quiet = !body.trackActivity && !body.emitEvents;
	try {
		await context.database.transaction(async (trx) => {
			if (body.action === 'create' && quiet) {
				await insertRows(context, trx, writing, collection, body.rows, accountability);
				return;
			}
			// Activity, revisions or events asked for: Directus's own service, row by row, as its API does
			// (createMany moves an auto-increment key's sequence past the largest key it wrote).
			const options = { emitEvents: body.emitEvents, skipTracking: !body.trackActivity, autoPurgeCache: false, bypassLimits: true };
			const service = new context.services.ItemsService(collection, { knex: trx, schema: writing, accountability });
			if (body.action === 'create') {
				await service.createMany(body.rows, options);
			} else {
				for (const row of body.rows) {
					const { [key]: id, ...changes } = row;
					if (Object.keys(changes).length > 0) await service.updateOne(id, changes, options);
				}
			}
		});
	} catch (error) {
		throw withoutSecrets(error, schema, collection, body.rows);
	}
	return { written: body.rows.length };
}

/**
 * A refusal of the batch as the source may see it: knex prefixes a database error with the statement,
 * its values written in, and some databases quote the offending value (MySQL's "Duplicate entry");
 * so the statement is cut off and the values of hashed and concealed fields are masked.
 */
export function withoutSecrets(error: unknown, schema: SchemaOverview, collection: string, rows: Record<string, unknown>[]): unknown {
	if (!(error instanceof Error)) return error;
	const fields = Object.values(schema.collections[collection]?.fields ?? {})
		.filter((field) => field.special.includes('hash') || field.special.includes('conceal'))
		.map((field) => field.field);
	const secrets = rows.flatMap((row) => fields.map((field) => row[field])).filter((value): value is string => typeof value === 'string' && value.length > 0);
	const statementEnd = error.message.lastIndexOf(' - ');
	let message = statementEnd >= 0 && /^\s*(insert|update|delete|select|with)\b/i.test(error.message) ? error.message.slice(statementEnd + 3) : error.message;
	for (const secret of secrets) message = message.split(secret).join('**********');
	const scrubbed = new Error(message);
	for (const property of ['status', 'code'] as const) {
		const value = (error as unknown as Record<string, unknown>)[property];
		if (value !== undefined) (scrubbed as unknown as Record<string, unknown>)[property] = value;
	}
	return scrubbed;
}

/**
 * A quiet create (no activity, revisions or events): the values converted for the database by
 * Directus's PayloadService (dates, JSON, geometry; stamps and hashes kept as sent), then multi-row
 * INSERTs, instead of one insert and its bookkeeping per row.
 */
async function insertRows(
	context: ReceiverContext,
	trx: Knex.Transaction,
	schema: SchemaOverview,
	collection: string,
	rows: Record<string, unknown>[],
	accountability: Accountability | null,
): Promise<void> {
	const payloads = new context.services.PayloadService(collection, { knex: trx, schema, accountability });
	const processed = (await payloads.processValues('create', rows)) as Record<string, unknown>[];
	const columns = Math.max(1, Object.keys(processed[0] ?? {}).length);
	// SQLite allows 999 bound values per statement.
	const perStatement = Math.max(1, Math.floor(900 / columns));
	for (let start = 0; start < processed.length; start += perStatement) await trx(collection).insert(processed.slice(start, start + perStatement));
	await moveSequencePastKeys(trx, schema, collection);
}

/** PostgreSQL: an integer key's sequence moves to the largest key when copied keys passed it (never back). */
async function moveSequencePastKeys(trx: Knex.Transaction, schema: SchemaOverview, collection: string): Promise<void> {
	const client = String((trx as unknown as { client: { config: { client: unknown } } }).client.config.client);
	if (!/^(pg|postgres)/.test(client)) return;
	const overview = schema.collections[collection]!;
	const type = overview.fields[overview.primary]?.type;
	if (type !== 'integer' && type !== 'bigInteger') return;
	const table = `"${collection.replace(/"/g, '""')}"`;
	await trx.raw(
		`select setval(s.seq, m.top) from (select pg_get_serial_sequence(?, ?) as seq) s, (select max(??) as top from ??) m
		 where s.seq is not null and m.top is not null and m.top > coalesce(pg_sequence_last_value(s.seq::regclass), 0)`,
		[table, overview.primary, overview.primary, collection],
	);
}
