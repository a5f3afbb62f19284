import { z } from 'zod';

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

/** POST /migration-receiver/checksums/:collection — a chunk's checksum computed on the destination. */
export const checksumsBody = z.strictObject({
	keys: z.array(z.union([z.string(), z.number()])).min(1).max(MAX_RECEIVER_ROWS),
	fields: z.array(name).min(1).max(500),
	/** The Directus type of each field as the source knows it: both sides canonicalise alike. */
	types: z.record(z.string(), z.string().max(32)),
	checksum: z.string().max(128),
});

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
