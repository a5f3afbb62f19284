import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Accountability, SchemaOverview } from '@directus/types';
import type { EndpointContext } from './routes.js';
import type { z } from 'zod';
import {
	fileBatchMetadata,
	fileUploadMetadata,
	MAX_BATCHED_FILE_BYTES,
	MAX_FILE_BATCH_BYTES,
	MAX_FILE_METADATA_BYTES,
	type FileBatchEntry,
	type FileChecksums,
	type FileReceipt,
	type FileRow,
} from './protocol.js';
import { ReceiverRefusal, schemaWritingAsSent } from './write-items.js';

/**
 * The destination side of a file copy: the bytes streamed into the destination's storage through
 * Directus's own FilesService (its storage driver, its temp-file replacement), then the row's
 * metadata written exactly as the source holds it (stamps included). A file is streamed, but for a
 * small one written quietly, received whole first (at most ONE_COMMIT_MAX_BYTES); the bytes are
 * counted against FILES_MAX_UPLOAD_SIZE and hashed on their way.
 */

/** A refused file as the source sees it: the codes are the source's per-file codes (FileFailureCode). */
export class FileRefusal extends ReceiverRefusal {
	/** A 503 naming Directus's `files` service, like Directus's own storage failures. */
	readonly service: string | undefined;
	constructor(status: number, code: string, message: string, service?: string) {
		super(status, code, message);
		this.service = service;
	}
}

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

/** FILES_MAX_UPLOAD_SIZE as bytes (Directus reads it with the `bytes` package: "8MB", "1gb", 1000); null: no limit. */
export function maxUploadBytes(env: Record<string, unknown>): number | null {
	const value = env['FILES_MAX_UPLOAD_SIZE'];
	if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
	const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)?\s*$/i.exec(value) : null;
	if (!match) return null;
	return Math.floor(Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()]!);
}

/** Quiet files up to this size are received whole, then written in one transaction (see storeFile): those a batch may carry. */
const ONE_COMMIT_MAX_BYTES = MAX_BATCHED_FILE_BYTES;

/** The sha256 of stored bytes, by id, size and modified_on: a file whose stamp or size moved is hashed again. */
const checksumCache = new Map<string, string>();
const CHECKSUM_CACHE_ENTRIES = 20_000;

function cacheKey(row: { id: unknown; filesize: unknown; modified_on: unknown }): string {
	const stamp = row.modified_on instanceof Date ? row.modified_on.toISOString() : String(row.modified_on);
	return `${String(row.id)}|${String(row.filesize)}|${stamp}`;
}

function remember(key: string, sha256: string): void {
	checksumCache.delete(key);
	checksumCache.set(key, sha256);
	if (checksumCache.size > CHECKSUM_CACHE_ENTRIES) checksumCache.delete(checksumCache.keys().next().value!);
}

/**
 * Splits a request body into its metadata (the first `metadataBytes` bytes) and a stream of the rest,
 * read from the request only as storage takes it.
 */
async function splitBody(body: AsyncIterable<Buffer>, metadataBytes: number): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
	const iterator = body[Symbol.asyncIterator]();
	const chunks: Buffer[] = [];
	let length = 0;
	while (length < metadataBytes) {
		const next = await iterator.next();
		if (next.done) throw new ReceiverRefusal(400, 'INVALID_PAYLOAD', `The body ended before its ${metadataBytes} bytes of metadata.`);
		chunks.push(next.value);
		length += next.value.length;
	}
	const joined = Buffer.concat(chunks);
	const first = joined.subarray(metadataBytes);
	async function* rest(): AsyncGenerator<Buffer> {
		if (first.length > 0) yield first;
		for (;;) {
			const next = await iterator.next();
			if (next.done) return;
			yield next.value;
		}
	}
	return { head: joined.subarray(0, metadataBytes), rest: rest() };
}

function parseMetadata<T extends z.ZodType>(head: Buffer, shape: T): z.output<T> {
	let value: unknown;
	try {
		value = JSON.parse(head.toString('utf8'));
	} catch {
		throw new ReceiverRefusal(400, 'INVALID_PAYLOAD', 'The file metadata is not JSON.');
	}
	const parsed = shape.safeParse(value);
	if (!parsed.success) {
		const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'metadata'}: ${issue.message}`).join('; ');
		throw new ReceiverRefusal(400, 'INVALID_PAYLOAD', `Invalid file metadata. ${problems}`);
	}
	return parsed.data;
}

/** The fields of `row` the destination's directus_files has (a field of another Directus version is left out). */
function storedFields(schema: SchemaOverview, row: Partial<FileRow>): Record<string, unknown> {
	const fields = schema.collections['directus_files']!.fields;
	return Object.fromEntries(Object.entries(row).filter(([name, value]) => value !== undefined && fields[name] && fields[name].type !== 'alias'));
}

/** The storage location the file goes to: the source's when the destination has it, else the destination's first. */
function storageFor(env: Record<string, unknown>, wanted: string | undefined): string | undefined {
	const locations = String(env['STORAGE_LOCATIONS'] ?? 'local')
		.split(',')
		.map((location) => location.trim())
		.filter(Boolean);
	return wanted && locations.includes(wanted) ? wanted : locations[0];
}

/**
 * One upload per file id at a time in this process: a retry that arrives while the first attempt (its
 * connection cut) is still cleaning up waits for it, instead of replacing bytes about to be removed.
 */
const inFlight = new Map<string, Promise<unknown>>();

async function oneAtATime<T>(id: string, work: () => Promise<T>): Promise<T> {
	const before = inFlight.get(id);
	const current = (async () => {
		await before?.catch(() => {});
		return work();
	})();
	inFlight.set(id, current);
	try {
		return await current;
	} finally {
		if (inFlight.get(id) === current) inFlight.delete(id);
	}
}

/** `work` once every id of `ids` is this process's alone (taken in sorted order: two batches never wait on each other). */
function allAtATime<T>(ids: string[], work: () => Promise<T>): Promise<T> {
	const [first, ...others] = [...ids].sort();
	return first === undefined ? work() : oneAtATime(first, () => allAtATime(others, work));
}

/** The length of a body's metadata (header x-migration-metadata-bytes) must be 2 to MAX_FILE_METADATA_BYTES. */
function checkMetadataBytes(metadataBytes: number, whose: string): void {
	if (!Number.isInteger(metadataBytes) || metadataBytes < 2 || metadataBytes > MAX_FILE_METADATA_BYTES) {
		throw new ReceiverRefusal(400, 'INVALID_PAYLOAD', `${whose} must be 2 to ${MAX_FILE_METADATA_BYTES} bytes (header x-migration-metadata-bytes).`);
	}
}

/** A file of `size` bytes above the destination's FILES_MAX_UPLOAD_SIZE (`limit`). */
function overUploadLimit(size: number, limit: number): FileRefusal {
	return new FileRefusal(413, 'FILE_TOO_LARGE', `The file (${size} bytes) is over the destination's FILES_MAX_UPLOAD_SIZE (${limit} bytes).`);
}

function batchTooLarge(): ReceiverRefusal {
	return new ReceiverRefusal(413, 'PAYLOAD_TOO_LARGE', `A batch carries at most ${MAX_FILE_BATCH_BYTES} bytes of files.`);
}

/**
 * Receives one file: metadata checked, bytes streamed into storage (a new file with the source's id,
 * or the bytes of the existing one replaced), then the row written exactly as sent. Activity only
 * with trackActivity (under the admin's accountability), events only with emitEvents.
 */
export async function receiveFile(
	context: EndpointContext,
	schema: SchemaOverview,
	request: { id: string; body: AsyncIterable<Buffer>; metadataBytes: number; contentLength: number | undefined },
	accountability: Accountability | null,
): Promise<FileReceipt> {
	const { metadataBytes } = request;
	checkMetadataBytes(metadataBytes, 'The file metadata');
	const limit = maxUploadBytes(context.env);
	if (limit !== null && request.contentLength !== undefined && request.contentLength - metadataBytes > limit) {
		throw new FileRefusal(413, 'FILE_TOO_LARGE', `The file is over the destination's FILES_MAX_UPLOAD_SIZE (${limit} bytes).`);
	}
	const { head, rest } = await splitBody(request.body, metadataBytes);
	const body = parseMetadata(head, fileUploadMetadata);
	const file = body.file;
	if (file.id !== request.id) throw new ReceiverRefusal(400, 'INVALID_PAYLOAD', 'The metadata names another file than the path.');
	if (limit !== null && body.filesize > limit) {
		throw overUploadLimit(body.filesize, limit);
	}

	return oneAtATime(file.id, () => storeFile(context, schema, file, body, rest, limit, accountability));
}

async function storeFile(
	context: EndpointContext,
	schema: SchemaOverview,
	file: FileRow,
	body: { trackActivity: boolean; emitEvents: boolean; filesize: number },
	rest: AsyncIterable<Buffer>,
	limit: number | null,
	accountability: Accountability | null,
): Promise<FileReceipt> {
	const acting = body.trackActivity ? accountability : null;
	const hash = createHash('sha256');
	let received = 0;
	let truncated = false;
	const counted = (async function* counted() {
		for await (const chunk of rest) {
			received += chunk.length;
			if (limit !== null && received > limit) {
				truncated = true;
				return;
			}
			hash.update(chunk);
			yield chunk;
		}
	})();
	// The row's writes (Directus's create and update around the bytes, then the exact metadata) commit
	// once for a small quiet file: its bytes are received whole first (at most ONE_COMMIT_MAX_BYTES), so
	// that a slow sender never holds the database (one connection on SQLite) while they arrive. Events
	// and activity must see committed rows, and larger files are streamed: those commit write by write.
	const small = acting === null && !body.emitEvents && body.filesize <= ONE_COMMIT_MAX_BYTES ? await receiveUpTo(counted, ONE_COMMIT_MAX_BYTES) : null;
	const oneCommit = small?.whole === true;
	const stream = Readable.from(small ? resumed(small.chunks, counted) : counted);
	// Directus's FilesService refuses a stream it finds `truncated` (413) and removes what it wrote.
	Object.defineProperty(stream, 'truncated', { get: () => truncated });

	const quiet = { acting, emitEvents: body.emitEvents };
	const refusal = oneCommit
		? await context.database.transaction((trx) => writeFile(context, schema, trx, true, file, stream, quiet))
		: await writeFile(context, schema, context.database, false, file, stream, quiet);
	if (refusal) throw refusal;
	// The receipt says what arrived; the checksum cache fills when a checksum is asked for (rarely: a file
	// sent through the receiver keeps its modified_on, and re-runs skip it by size and stamp).
	return { id: file.id, filesize: received, sha256: hash.digest('hex') };
}

/**
 * Receives a batch of small new files (POST /files-batch): the whole body read first (bounded by the
 * batch's caps), then every file written in one transaction, each in its own savepoint: a file refused
 * (too large for FILES_MAX_UPLOAD_SIZE, refused by Directus, its storage failing) leaves the others
 * written and is answered with its status and code. Always quiet: no activity, no events.
 */
export async function receiveFileBatch(
	context: EndpointContext,
	schema: SchemaOverview,
	request: { body: AsyncIterable<Buffer>; metadataBytes: number; contentLength: number | undefined },
): Promise<FileBatchEntry[]> {
	const { metadataBytes } = request;
	checkMetadataBytes(metadataBytes, "The batch's metadata");
	if (request.contentLength !== undefined && request.contentLength - metadataBytes > MAX_FILE_BATCH_BYTES) {
		throw batchTooLarge();
	}
	const { head, rest } = await splitBody(request.body, metadataBytes);
	const { files } = parseMetadata(head, fileBatchMetadata);
	const ids = files.map(({ file }) => file.id);
	if (new Set(ids).size !== ids.length) throw new ReceiverRefusal(400, 'INVALID_PAYLOAD', 'A batch names a file twice.');
	const expected = files.reduce((sum, { filesize }) => sum + filesize, 0);
	if (expected > MAX_FILE_BATCH_BYTES) throw batchTooLarge();
	const { chunks, whole } = await receiveUpTo(rest[Symbol.asyncIterator](), expected);
	const bytes = Buffer.concat(chunks);
	if (!whole || bytes.length !== expected) {
		throw new ReceiverRefusal(400, 'INVALID_PAYLOAD', `The batch's files are ${expected} bytes by its metadata; its body carries ${whole ? bytes.length : `more than ${expected}`}.`);
	}
	const limit = maxUploadBytes(context.env);
	const quiet = { acting: null, emitEvents: false };
	return allAtATime(ids, () =>
		context.database.transaction(async (trx) => {
			const entries: FileBatchEntry[] = [];
			let offset = 0;
			for (const { file, filesize } of files) {
				const content = bytes.subarray(offset, offset + filesize);
				offset += filesize;
				if (limit !== null && filesize > limit) {
					entries.push(refusedEntry(file.id, overUploadLimit(filesize, limit)));
					continue;
				}
				try {
					const refusal = await trx.transaction((savepoint) => writeFile(context, schema, savepoint, true, file, Readable.from([content]), quiet));
					entries.push(refusal ? refusedEntry(file.id, refusal) : { id: file.id, filesize, sha256: createHash('sha256').update(content).digest('hex') });
				} catch (error) {
					entries.push(refusedEntry(file.id, error instanceof ReceiverRefusal ? error : uploadRefusal(error)));
				}
			}
			return entries;
		}),
	);
}

function refusedEntry(id: string, refusal: unknown): FileBatchEntry {
	const { status, code, message } = refusal instanceof ReceiverRefusal ? refusal : new FileRefusal(422, 'FILE_REFUSED', String((refusal as Error)?.message ?? refusal));
	return { id, refused: { status, code, message } };
}

/**
 * Writes one file: its bytes through Directus's FilesService (a new file under the source's id, or the
 * bytes of the existing one replaced), then its row's metadata exactly as sent. `inTransaction`: `knex`
 * is a transaction (the file's row looked up first, its metadata in a savepoint). Returns the refusal of
 * a file whose bytes are stored but whose metadata was refused; throws the refusal of the bytes.
 */
async function writeFile(
	context: EndpointContext,
	schema: SchemaOverview,
	knex: EndpointContext['database'],
	inTransaction: boolean,
	file: FileRow,
	stream: Readable,
	quiet: { acting: Accountability | null; emitEvents: boolean },
): Promise<FileRefusal | null> {
	const upload = {
		filename_download: file.filename_download,
		type: file.type ?? 'application/octet-stream',
		storage: storageFor(context.env, file.storage),
		folder: file.folder ?? null,
		...(file.title != null ? { title: file.title } : {}),
		id: file.id,
	};
	const options = { emitEvents: quiet.emitEvents };
	const { id: _id, storage: _storage, ...metadata } = file;
	const files = new context.services.FilesService({ knex, schema, accountability: quiet.acting });
	try {
		if (inTransaction) {
			// A refused insert would end the transaction (PostgreSQL): the row is looked up first.
			const exists = (await knex.select('id').from('directus_files').where({ id: file.id }).first()) !== undefined;
			await files.uploadOne(stream, upload, exists ? file.id : undefined, options);
		} else {
			// Created under its own id; when the destination has that id already (a replacement, or the same
			// file sent again after a lost answer) Directus refuses the row before reading a byte, and the
			// bytes of the file with that id are replaced instead.
			try {
				await files.uploadOne(stream, upload, undefined, options);
			} catch (error) {
				if ((error as { code?: unknown }).code !== 'RECORD_NOT_UNIQUE') throw error;
				await files.uploadOne(stream, upload, file.id, options);
			}
		}
	} catch (error) {
		throw uploadRefusal(error);
	}
	// Directus stamped the row (uploaded_on now, the image's own metadata): the source's values go back.
	// In a transaction, within a savepoint: a refused metadata write leaves the stored file as Directus wrote it.
	const writeMetadata = (database: EndpointContext['database']) => writeExactMetadata({ ...context, database }, schema, file.id, metadata, quiet.acting, quiet.emitEvents);
	try {
		if (inTransaction) await knex.transaction(writeMetadata);
		else await writeMetadata(knex);
	} catch (error) {
		return new FileRefusal(422, 'METADATA_REFUSED', `The bytes are stored; the metadata was refused: ${(error as Error).message}`);
	}
	return null;
}
/**
 * Reads `body` until it ends or passes `max` bytes: `whole` when it ended within them. The chunks
 * read are handed on (see resumed) either way.
 */
async function receiveUpTo(body: AsyncIterator<Buffer>, max: number): Promise<{ chunks: Buffer[]; whole: boolean }> {
	const chunks: Buffer[] = [];
	let size = 0;
	for (;;) {
		const next = await body.next();
		if (next.done) return { chunks, whole: true };
		chunks.push(next.value);
		size += next.value.length;
		if (size > max) return { chunks, whole: false };
	}
}

/** The chunks already read, then the rest of the body. */
async function* resumed(chunks: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
	yield* chunks;
	for (;;) {
		const next = await rest.next();
		if (next.done) return;
		yield next.value;
	}
}

/** A failed upload as the source's per-file code: too large, the storage failing, or refused otherwise. */
function uploadRefusal(error: unknown): unknown {
	if (error instanceof ReceiverRefusal) return error;
	const status = Number((error as { status?: unknown }).status);
	const code = String((error as { code?: unknown }).code ?? '');
	const message = (error as Error)?.message ?? String(error);
	if (status === 413 || code === 'CONTENT_TOO_LARGE') return new FileRefusal(413, 'FILE_TOO_LARGE', 'The file is over the destination\'s FILES_MAX_UPLOAD_SIZE.');
	if (status === 503 || status >= 500 || !Number.isFinite(status)) {
		return new FileRefusal(503, 'DESTINATION_STORAGE_ERROR', `The destination's storage could not save the file: ${message}`, 'files');
	}
	return new FileRefusal(422, 'FILE_REFUSED', `The destination refused the file: ${message}`);
}

/**
 * Writes file rows' metadata exactly as sent (modified_on, uploaded_by… not stamped again), through
 * Directus's ItemsService with the stamping specials left out; no activity, revisions or events unless asked.
 */
export async function writeExactMetadata(
	context: EndpointContext,
	schema: SchemaOverview,
	id: string,
	metadata: Partial<FileRow>,
	accountability: Accountability | null,
	emitEvents: boolean,
): Promise<void> {
	const values = storedFields(schema, metadata);
	if (Object.keys(values).length === 0) return;
	const writing = schemaWritingAsSent(schema, 'directus_files');
	if (accountability === null && !emitEvents) {
		// Quiet: the values converted for the database by Directus's PayloadService, then one UPDATE.
		const payloads = new context.services.PayloadService('directus_files', { knex: context.database, schema: writing, accountability: null });
		const [processed] = (await payloads.processValues('update', [values])) as Record<string, unknown>[];
		await context.database('directus_files').where({ id }).update(processed!);
		return;
	}
	const items = new context.services.ItemsService('directus_files', { knex: context.database, schema: writing, accountability });
	await items.updateOne(id, values, { emitEvents, skipTracking: accountability === null, autoPurgeCache: false });
}

/** Metadata alone, file by file: a refused file is named with its reason, the others are written. */
export async function receiveFilesMetadata(
	context: EndpointContext,
	schema: SchemaOverview,
	body: { files: Partial<FileRow>[]; trackActivity: boolean; emitEvents: boolean },
	accountability: Accountability | null,
): Promise<{ written: number; refused: { key: string; reason: string }[] }> {
	const ids = body.files.map((file) => String(file.id));
	const present = new Set((await context.database.select('id').from('directus_files').whereIn('id', ids)).map((row: { id: unknown }) => String(row.id)));
	const refused: { key: string; reason: string }[] = [];
	let written = 0;
	for (const { id, storage: _storage, ...metadata } of body.files) {
		if (!present.has(String(id))) {
			refused.push({ key: String(id), reason: 'the destination has no such file' });
			continue;
		}
		try {
			await writeExactMetadata(context, schema, String(id), metadata, body.trackActivity ? accountability : null, body.emitEvents);
			written++;
		} catch (error) {
			refused.push({ key: String(id), reason: (error as Error).message ?? String(error) });
		}
	}
	return { written, refused };
}

/**
 * The sha256 of each file's stored bytes, streamed from the destination's storage (a cached one when
 * the file's size and modified_on are those it was computed for); null for a file the destination lacks
 * or whose bytes it cannot read.
 */
export async function storedChecksums(context: EndpointContext, schema: SchemaOverview, ids: string[]): Promise<FileChecksums> {
	const rows: { id: string; filesize: unknown; modified_on: unknown }[] = await context.database
		.select('id', 'filesize', 'modified_on')
		.from('directus_files')
		.whereIn('id', ids);
	const result: FileChecksums = Object.fromEntries(ids.map((id) => [id, null]));
	const assets = new context.services.AssetsService({ knex: context.database, schema, accountability: null });
	for (const row of rows) {
		const key = cacheKey(row);
		const cached = checksumCache.get(key);
		if (cached) {
			result[String(row.id)] = cached;
			continue;
		}
		try {
			const asset = await assets.getAsset(String(row.id));
			const hash = createHash('sha256');
			for await (const chunk of asset.stream as AsyncIterable<Buffer>) hash.update(chunk);
			const sha256 = hash.digest('hex');
			remember(key, sha256);
			result[String(row.id)] = sha256;
		} catch {
			result[String(row.id)] = null;
		}
	}
	return result;
}
