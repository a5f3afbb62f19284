import type { Accountability, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import type { z } from 'zod';
import { absentKeysBody, checksumsBody, FILE_BATCH_BOUNDS, finishBody, hashesReadBody, passwordsBody, itemsWriteBody, MAX_RECEIVER_BODY_BYTES, MAX_RECEIVER_ROWS, RECEIVER_ID, type ReceiverInfo } from './protocol.js';
import { bundleVersion } from './version.js';
import { readStoredHashes, ReceiverRefusal, writeBatch } from './write-items.js';
import { destinationChecksums } from './checksums.js';
import { databaseVendor } from '../items/stored-rows.js';
import { destinationAbsentInRanges, destinationAbsentKeys } from './absent-keys.js';
import { writePasswordHashes } from './passwords.js';
import { recordRun } from './run-audit.js';
import { currentLease } from './lease-route.js';

/** What the receiver's routes need of Directus's endpoint context. */
export interface EndpointContext {
	services: any;
	database: Knex;
	getSchema: (options?: { database?: Knex }) => Promise<SchemaOverview>;
	env: Record<string, unknown>;
	logger: { info(message: string): void; warn(message: string): void };
}

export interface Request {
	accountability?: Accountability | null;
	/** The schema Directus's middleware read for this request. */
	schema?: SchemaOverview;
	params: Record<string, string>;
	headers: Record<string, string | string[] | undefined>;
	body?: unknown;
	on(event: string, listener: (...args: any[]) => void): void;
	[Symbol.asyncIterator]?: () => AsyncIterator<Buffer>;
}
export interface Response {
	status(code: number): Response;
	json(body: unknown): void;
}
export type Handler = (req: Request, res: Response) => Promise<void>;

export function refuse(res: Response, status: number, code: string, message: string, refused?: { key: unknown; reason: string }[]): void {
	res.status(status).json({ errors: [{ message, extensions: { code, ...(refused ? { refused: refused.slice(0, 100) } : {}) } }] });
}

/** Every route: admins only (401 without a token, 403 for any other user), refusals as `{ errors }` with a code. */
export function adminRoute(run: (req: Request, res: Response) => Promise<void>): Handler {
	return async (req, res) => {
		const accountability = req.accountability;
		if (!accountability?.user && !accountability?.admin) return refuse(res, 401, 'UNAUTHORIZED', 'The receiver needs an admin token.');
		if (accountability.admin !== true) return refuse(res, 403, 'FORBIDDEN', 'The receiver accepts admins only.');
		try {
			await run(req, res);
		} catch (error) {
			if (error instanceof ReceiverRefusal) return refuse(res, error.status, error.code, error.message, error.refused);
			const status = Number((error as { status?: unknown }).status);
			const code = String((error as { code?: unknown }).code ?? 'INTERNAL');
			// A database or Directus refusal of the batch (a unique key, a foreign key, a NOT NULL…): nothing was written.
			refuse(res, status >= 400 && status < 500 ? status : 422, code, `Nothing of the batch was written: ${(error as Error).message ?? String(error)}`);
		}
	};
}

/**
 * The request's schema: the one Directus's middleware already read for it (each read of the schema
 * is a copy of Directus's cache, a cost per request that a chunk of checksums would pay twice).
 */
export async function schemaOf(req: Request, context: EndpointContext): Promise<SchemaOverview> {
	return req.schema ?? (await context.getSchema({ database: context.database }));
}

/** The largest body a route reads: MIGRATION_RECEIVER_MAX_BODY_BYTES on the destination, else 16 MB. */
export function maxBodyBytes(env: Record<string, unknown>): number {
	const configured = Number(env['MIGRATION_RECEIVER_MAX_BODY_BYTES']);
	return Number.isInteger(configured) && configured > 0 ? configured : MAX_RECEIVER_BODY_BYTES;
}

/**
 * The JSON body, read here with our own cap (413 past it). The source sends it with its own media type,
 * so Directus's JSON parser (and its 1 MB MAX_PAYLOAD_SIZE) leaves it for us; a body Directus parsed
 * already (plain application/json) is taken as it is.
 */
export async function readBody<T extends z.ZodType>(req: Request, schema: T, maxBytes: number): Promise<z.output<T>> {
	let value: unknown = req.body;
	const declared = Number(req.headers['content-length']);
	if (Number.isFinite(declared) && declared > maxBytes) throw new ReceiverRefusal(413, 'PAYLOAD_TOO_LARGE', `The body is over ${maxBytes} bytes.`);
	if (value === undefined || (typeof value === 'object' && value !== null && Object.keys(value).length === 0 && !Array.isArray(value))) {
		const chunks: Buffer[] = [];
		let size = 0;
		for await (const chunk of req as unknown as AsyncIterable<Buffer>) {
			size += chunk.length;
			if (size > maxBytes) throw new ReceiverRefusal(413, 'PAYLOAD_TOO_LARGE', `The body is over ${maxBytes} bytes.`);
			chunks.push(chunk);
		}
		const text = Buffer.concat(chunks).toString('utf8');
		try {
			value = text === '' ? {} : JSON.parse(text);
		} catch {
			throw new ReceiverRefusal(400, 'INVALID_PAYLOAD', 'The body is not JSON.');
		}
	}
	const parsed = schema.safeParse(value);
	if (!parsed.success) {
		// Messages name the path and the problem, never the value (it may be a password hash).
		const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
		throw new ReceiverRefusal(400, 'INVALID_PAYLOAD', `Invalid payload. ${problems}`);
	}
	return parsed.data;
}

/** Who this receiver is: its version, its database vendor, the bounds of its file batches (GET / and POST /open). */
export function receiverInfo(context: EndpointContext): ReceiverInfo {
	return { receiver: RECEIVER_ID, version: bundleVersion(), database: databaseVendor(context.database), fileBatches: FILE_BATCH_BOUNDS };
}

export function handleInfo(context: EndpointContext): Handler {
	return adminRoute(async (_req, res) => {
		res.json({ data: receiverInfo(context) });
	});
}

export function handleItems(context: EndpointContext): Handler {
	return adminRoute(async (req, res) => {
		const body = await readBody(req, itemsWriteBody, maxBodyBytes(context.env));
		if (body.rows.length > MAX_RECEIVER_ROWS) throw new ReceiverRefusal(413, 'PAYLOAD_TOO_LARGE', `A batch holds at most ${MAX_RECEIVER_ROWS} rows.`);
		const schema = await schemaOf(req, context);
		const result = await writeBatch(context, schema, String(req.params['collection']), body, req.accountability ?? null);
		res.json({ data: result });
	});
}

export function handleHashes(context: EndpointContext): Handler {
	return adminRoute(async (req, res) => {
		const body = await readBody(req, hashesReadBody, maxBodyBytes(context.env));
		const schema = await schemaOf(req, context);
		res.json({ data: await readStoredHashes(context.database, schema, String(req.params['collection']), body) });
	});
}

export function handleChecksums(context: EndpointContext): Handler {
	return adminRoute(async (req, res) => {
		const body = await readBody(req, checksumsBody, maxBodyBytes(context.env));
		const schema = await schemaOf(req, context);
		const checksums = await destinationChecksums(context, schema, String(req.params['collection']), body);
		// The lease as it is after the read: a run whose last read this was needs not ask again (see leaseAfterEveryRead).
		res.json({ data: { ...checksums, lease: await currentLease(context.database) } });
	});
}

/**
 * GET /fields — the destination's field names by collection, from the schema Directus already holds
 * for the request (Directus's own GET /fields reads every table's columns from the database).
 */
export function handleFields(context: EndpointContext): Handler {
	return adminRoute(async (req, res) => {
		res.json({ data: fieldNames(await schemaOf(req, context)) });
	});
}

/** Field names by collection, as the schema names them. */
export function fieldNames(schema: SchemaOverview): Record<string, string[]> {
	return Object.fromEntries(Object.entries(schema.collections).map(([collection, info]) => [collection, Object.keys(info.fields)]));
}

/** The keys of a chunk the destination lacks (updatedAfter "auto" looks for rows never received this way). */
export function handleAbsentKeys(context: EndpointContext): Handler {
	return adminRoute(async (req, res) => {
		const body = await readBody(req, absentKeysBody, maxBodyBytes(context.env));
		const schema = await schemaOf(req, context);
		const collection = String(req.params['collection']);
		const absent = 'ranges' in body ? await destinationAbsentInRanges(context.database, schema, collection, body.ranges) : await destinationAbsentKeys(context.database, schema, collection, body.keys);
		// The lease as it is after the look-up: a run that reads before taking it needs not ask again (see leaseAfterEveryRead).
		res.json({ data: { absent, lease: await currentLease(context.database) } });
	});
}

/** includePasswords: password hashes of existing users (the only write to a directus_* table the receiver makes). */
export function handlePasswords(context: EndpointContext): Handler {
	return adminRoute(async (req, res) => {
		const body = await readBody(req, passwordsBody, maxBodyBytes(context.env));
		const result = await writePasswordHashes(context.database, body.users);
		context.logger.info(`[migration-receiver] password hashes written for ${result.written} user(s)`);
		res.json({ data: result });
	});
}

/**
 * Once per run: the data cache purged once (the batches left it alone) — and after system rows,
 * Directus's system and permission caches, as its own services clear them, so a migrated role's
 * permissions hold at once — then the run's one audit row (see recordRun).
 */
export function handleFinish(context: EndpointContext): Handler {
	return adminRoute(async (req, res) => {
		const body = await readBody(req, finishBody, maxBodyBytes(context.env));
		const schema = await schemaOf(req, context);
		const utils = new context.services.UtilsService({ schema, accountability: req.accountability ?? null, knex: context.database });
		await utils.clearCache({ system: body.system });
		const userAgent = req.headers['user-agent'];
		await recordRun(context, schema, { accountability: req.accountability ?? null, userAgent: typeof userAgent === 'string' ? userAgent : null }, body);
		context.logger.info(`[migration-receiver] run finished: ${body.rows} rows in ${body.collections.length} collection(s); caches purged`);
		res.json({ data: { purged: true } });
	});
}
