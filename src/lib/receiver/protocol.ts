import { z } from 'zod';
import type { LeaseSeen } from '../lease/records.js';
import { MAX_STORED_CHUNK } from '../items/stored-rows.js';

/**
 * What the source and the destination's receiver say to each other. Both sides import this file, so a
 * payload the source builds is the payload the receiver validates.
 */

/** The endpoint's id: its routes live under /migration-receiver on the destination. */
export const RECEIVER_ID = 'migration-receiver';

/** Largest JSON body a receiver route accepts (413 past it): a batch of 1,000 wide rows fits. */
export const MAX_RECEIVER_BODY_BYTES = 16 * 1024 * 1024;
/** Most rows one write request may carry (413 past it). */
export const MAX_RECEIVER_ROWS = 1000;

const name = z.string().min(1).max(64);
const safeInteger = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const row = z.record(z.string(), z.unknown());

/** POST /migration-receiver/items/:collection — one batch, written in one transaction. */
export const itemsWriteBody = z.strictObject({
	action: z.enum(['create', 'update']),
	rows: z.array(row).min(1),
	/** Write activity and revision rows for each item, as Directus's own API does (default: none). */
	trackActivity: z.boolean().default(false),
	/** Fire items.create / items.update hooks and Flows on the destination (default: none). */
	emitEvents: z.boolean().default(false),
});
export type ItemsWriteBody = z.input<typeof itemsWriteBody>;

/** POST /migration-receiver/hashes/:collection — the stored hashes of hashed fields, for comparison. */
export const hashesReadBody = z.strictObject({
	keys: z.array(z.union([z.string(), z.number()])).min(1).max(MAX_RECEIVER_ROWS),
	fields: z.array(name).min(1).max(100),
});

const checksummed = {
	fields: z.array(name).min(1).max(500),
	/** The Directus type of each field as the source knows it: both sides canonicalise alike. */
	types: z.record(z.string(), z.string().max(32)),
	/** The source's checksum of the chunk: when the destination's differs, it answers row checksums too. */
	checksum: z.string().max(128),
};
/** Rows read as stored on a database of this vendor (the receiver refuses another vendor's: 409). */
const storedOn = z.enum(['sqlite', 'postgres']);

/**
 * POST /migration-receiver/checksums/:collection — a chunk's checksum computed on the destination, of
 * its rows read through Directus's items service (`keys`), or as stored (`stored`: see
 * src/lib/items/stored-rows.ts), named by their keys or as runs of consecutive integer keys: at
 * most MAX_RECEIVER_ROWS rows read through the service, MAX_STORED_CHUNK as stored (413 past it).
 */
export const checksumsBody = z.union([
	z.strictObject({ keys: z.array(z.union([z.string(), z.number()])).min(1).max(MAX_STORED_CHUNK), ...checksummed, stored: storedOn.optional() }),
	/** Without `checksum` (rows as stored only): the destination's chunk checksum alone, asked before the source has read its own rows. */
	z.strictObject({ ranges: z.array(z.tuple([safeInteger, safeInteger])).min(1).max(MAX_STORED_CHUNK), ...checksummed, checksum: checksummed.checksum.optional(), stored: storedOn }),
]);
export type ChecksumsBody = z.output<typeof checksumsBody>;

/** Most keys one absent-keys request may name (413 past it): keys alone are small. */
export const MAX_RECEIVER_KEYS = 10_000;

/**
 * Integer keys as runs of consecutive values ([first, last] each), when every key is a safe integer
 * number, in ascending order, and the runs are at most a quarter as many as the keys; else null.
 */
export function consecutiveRuns(keys: readonly unknown[]): [number, number][] | null {
	const runs: [number, number][] = [];
	let previous: number | undefined;
	for (const key of keys) {
		if (typeof key !== 'number' || !Number.isSafeInteger(key) || (previous !== undefined && key <= previous)) return null;
		if (previous !== undefined && key === previous + 1) runs[runs.length - 1]![1] = key;
		else runs.push([key, key]);
		if (runs.length * 4 > keys.length + 4) return null;
		previous = key;
	}
	return runs.length > 0 ? runs : null;
}

/** POST /migration-receiver/absent/:collection — which of these primary keys the destination lacks. */
export const absentKeysBody = z.union([
	z.strictObject({ keys: z.array(z.union([z.string().max(255), z.number()])).min(1) }),
	/** Integer keys as runs of consecutive values, [first, last] each (a receiver of an earlier version takes `keys` only). */
	z.strictObject({ ranges: z.array(z.tuple([safeInteger, safeInteger])).min(1).max(MAX_RECEIVER_KEYS) }),
]);

const leaseSeconds = z.number().int().min(1).max(7 * 24 * 3600);

/**
 * POST /migration-receiver/lease — the destination's lease, one step per request: take it (one try),
 * renew it, give it back. The same rows and rules as over REST (src/lib/lease/lease.ts).
 */
export const leaseBody = z.discriminatedUnion('action', [
	z.strictObject({ action: z.literal('take'), run: z.uuid(), operation: z.string().min(1).max(64), source: z.string().max(255), leaseSeconds }),
	z.strictObject({ action: z.literal('renew'), run: z.uuid(), generation: z.number().int().min(1), leaseSeconds }),
	z.strictObject({ action: z.literal('release'), run: z.uuid(), generation: z.number().int().min(1) }),
	z.strictObject({ action: z.literal('peek') }),
]);

/**
 * POST /migration-receiver/open — what a writing run reads of the destination before it plans, in one
 * request (reads only): the receiver's version, the lease, and, when asked, the destination's fields
 * and the sync marker preset named `marker`.
 */
export const openBody = z.strictObject({
	fields: z.boolean().optional(),
	marker: z.string().min(1).max(500).optional(),
});

/** The answer of POST /migration-receiver/open. */
export interface OpenAnswer extends ReceiverInfo {
	lease: LeaseSeen;
	/** collection → field names, when asked. */
	fields?: Record<string, string[]>;
	/** The marker preset (null: none yet), when asked. */
	marker?: { id: number; layout_options: unknown } | null;
}

/** Directus stores passwords as argon2 hashes; nothing else is accepted as one. */
export const PASSWORD_HASH = /^\$argon2(id|i|d)\$[A-Za-z0-9$=,+/.-]{20,400}$/;

/** POST /migration-receiver/passwords — stored password hashes of users the destination already has. */
export const passwordsBody = z.strictObject({
	users: z
		.array(z.strictObject({ id: z.uuid(), password: z.string().regex(PASSWORD_HASH, 'is not a Directus password hash') }))
		.min(1)
		.max(MAX_RECEIVER_ROWS),
});

/**
 * POST /migration-receiver/finish — once per run: purge the caches, leave the run's one activity row
 * (who: the token's user; from where: the source; counts). Names and counts only, never a value.
 */
export const finishBody = z.strictObject({
	collections: z.array(name).max(1000).default([]),
	/** Rows the run created or updated. */
	rows: z.number().int().min(0).default(0),
	writePathOf: z.string().max(200).optional(),
	/** The run's key (drawn by the source): a finish sent twice records the run once. */
	run: z.uuid().optional(),
	/** migration-upsert-items, migration-system… */
	operation: z.string().max(64).optional(),
	/** The source (its PUBLIC_URL). */
	source: z.string().max(255).optional(),
	/** What the run did, by name: created, updated, failed… */
	counts: z.record(z.string().max(64), z.number().int().min(0)).optional(),
	/** System rows were written: Directus's system and permission caches are cleared too. */
	system: z.boolean().default(false),
});

/** GET /migration-receiver/ — who is there. */
export interface ReceiverInfo {
	receiver: typeof RECEIVER_ID;
	version: string;
	/** The destination's database vendor (`sqlite`, `postgres`, `mysql`…); absent from receivers before 0.2.1. */
	database?: string;
	/** The bounds of POST /files-batch (several small files in one request); absent from receivers without that route. */
	fileBatches?: FileBatchBounds;
}

/** An answer of the receiver when a batch is refused: nothing of the batch was written. */
export interface ReceiverRefusal {
	errors: { message: string; extensions: { code: string; refused?: { key: unknown; reason: string }[] } }[];
}

/**
 * The media type of the source's request bodies: Directus's own JSON parser (capped by its
 * MAX_PAYLOAD_SIZE) leaves them alone, and the receiver reads them under its own cap.
 */
export const RECEIVER_MEDIA_TYPE = 'application/x-directus-migration';

/**
 * POST /migration-receiver/files/:id — one file, bytes and metadata in one request. The body is the
 * file's metadata as UTF-8 JSON (`fileUploadMetadata`), exactly `FILE_METADATA_BYTES_HEADER` bytes
 * long, followed by the file's bytes, streamed: the receiver reads the JSON first, validates it, then
 * streams the rest into the destination's storage (FILES_MAX_UPLOAD_SIZE bounds it: 413). Sending the
 * same id again replaces the file's bytes and metadata: a retry never duplicates.
 */
export const RECEIVER_FILE_MEDIA_TYPE = 'application/x-directus-migration-file';
export const FILE_METADATA_BYTES_HEADER = 'x-migration-metadata-bytes';
/** Largest metadata JSON a file may carry (EXIF/IPTC included). */
export const MAX_FILE_METADATA_BYTES = 1024 * 1024;
/** Most ids one files-checksums request may name (each one's bytes are read on the destination). */
export const MAX_CHECKSUM_FILES = 200;

const id = z.guid();
const count = z.union([z.number().int().min(0), z.string().regex(/^\d+$/).transform(Number)]);
const text = z.string().nullable().optional();
const integer = count.nullable().optional();
const stamp = z.string().max(64).nullable().optional();

/** A file's row as the source holds it: every field the receiver keeps exactly (bytes aside). */
export const fileRow = z.strictObject({
	id,
	filename_download: z.string().min(1).max(255),
	type: z.string().max(255).nullable().optional(),
	storage: z.string().min(1).max(64).optional(),
	folder: id.nullable().optional(),
	title: text,
	description: text,
	tags: z.array(z.string()).nullable().optional(),
	metadata: z.record(z.string(), z.unknown()).nullable().optional(),
	location: text,
	focal_point_x: z.number().int().nullable().optional(),
	focal_point_y: z.number().int().nullable().optional(),
	width: integer,
	height: integer,
	duration: integer,
	charset: text,
	embed: text,
	uploaded_on: stamp,
	uploaded_by: id.nullable().optional(),
	created_on: stamp,
	modified_on: stamp,
});
export type FileRow = z.output<typeof fileRow>;

const quietness = {
	/** Activity (and revision) rows for the file on the destination (default: none). */
	trackActivity: z.boolean().default(false),
	/** files.upload / items.* hooks and Flows on the destination (default: none). */
	emitEvents: z.boolean().default(false),
};

/** The JSON that opens a POST /files/:id body. `filesize` is the size the source announces. */
export const fileUploadMetadata = z.strictObject({ file: fileRow, filesize: count, ...quietness });
export type FileUploadMetadata = z.input<typeof fileUploadMetadata>;

/** What POST /files/:id answers: the size and the sha256 of the bytes as they arrived. */
export interface FileReceipt {
	id: string;
	filesize: number;
	sha256: string;
}

/**
 * POST /migration-receiver/files-batch — several small new files in one request, written in one
 * transaction on the destination (one commit instead of one per file: on SQLite most of a small
 * file's cost). The body is `fileBatchMetadata` as UTF-8 JSON, exactly `FILE_METADATA_BYTES_HEADER`
 * bytes long, then each file's bytes in the order named, exactly `filesize` of each. Always quiet (no
 * activity, no events: a run that asks for them sends its files one by one). Each file lands or is
 * refused on its own (a savepoint each); sending the batch again replaces what it wrote.
 */
export const MAX_FILE_BATCH_FILES = 50;
/** Most bytes of files one batch carries, and most bytes of one file in a batch. */
export const MAX_FILE_BATCH_BYTES = 8 * 1024 * 1024;
export const MAX_BATCHED_FILE_BYTES = 2 * 1024 * 1024;
export interface FileBatchBounds {
	files: number;
	bytes: number;
	fileBytes: number;
}
export const FILE_BATCH_BOUNDS: FileBatchBounds = { files: MAX_FILE_BATCH_FILES, bytes: MAX_FILE_BATCH_BYTES, fileBytes: MAX_BATCHED_FILE_BYTES };
export const fileBatchMetadata = z.strictObject({
	files: z
		.array(z.strictObject({ file: fileRow, filesize: z.number().int().min(0).max(MAX_BATCHED_FILE_BYTES) }))
		.min(1)
		.max(MAX_FILE_BATCH_FILES),
});
export type FileBatchMetadata = z.input<typeof fileBatchMetadata>;

/** What POST /files-batch answers, file by file in the order sent: its receipt, or why it was refused. */
export type FileBatchEntry = FileReceipt | { id: string; refused: { status: number; code: string; message: string } };

/** POST /migration-receiver/files-metadata — metadata alone (the bytes are already there), exactly as sent. */
export const filesMetadataBody = z.strictObject({
	files: z.array(fileRow.partial({ filename_download: true })).min(1).max(MAX_RECEIVER_ROWS),
	...quietness,
});

/** POST /migration-receiver/files-checksums — the sha256 of the stored bytes of these files (null: no such file). */
export const filesChecksumsBody = z.strictObject({ ids: z.array(id).min(1).max(MAX_CHECKSUM_FILES) });
export type FileChecksums = Record<string, string | null>;
