import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Transform, type Readable } from 'node:stream';
import type { Row } from '../items/diff-rows.js';
import type { JournalChunks } from './journal-store.js';

/**
 * What a writing run changed on the destination, so that migration-rollback can undo it. The write
 * methods of DestinationItems, and migration-system's writeRows and settings write, report every
 * write here (through `client.journal`) before they send it:
 * the keys and values of rows created, the previous and new values of the fields updated (never of
 * unchanged rows), the rows deleted. Values are what the destination's REST API returns, so hashed fields (masked there,
 * and never copied) never leave it.
 */
export interface WriteJournal {
	/** The fields kept of a row before it is deleted (every stored field the run knows, none hashed). */
	rowFields(collection: string): string[];
	created(collection: string, primaryKey: string, rows: Row[]): Promise<void>;
	updated(collection: string, primaryKey: string, before: Map<string, Row>, rows: Row[]): Promise<void>;
	deleted(collection: string, primaryKey: string, rows: Row[]): Promise<void>;
	/**
	 * A destination file whose bytes are about to be replaced: its current bytes (`current` hands them
	 * over as a stream) are kept in the source's library first, then the replacement is journaled with
	 * the metadata before (`before`) and after (`after`) and the bytes the run writes (`written`).
	 */
	replacingBytes(file: { key: string; before: Row; after: Row; written: ByteFacts }, current: <T>(consume: (bytes: Readable) => Promise<T>) => Promise<T>): Promise<void>;
}

/** What identifies a file's bytes: their size and sha256. */
export interface ByteFacts {
	size: number;
	sha256: string;
}

/** What a `bytes` entry adds: the source library's copy of the bytes replaced, and those bytes and the ones written. */
export interface ReplacedBytes {
	copy: string;
	before: ByteFacts;
	after: ByteFacts;
}

/** Keeps a stream of bytes (a destination file's before a run replaces them) in the source's library; returns the kept file's id. */
export type BytesKeeper = (key: string, bytes: Readable) => Promise<string>;

/**
 * One entry of the journal (a line of its file): a write to one row. `b` what the row held before, `a`
 * what the run wrote. A `bytes` entry is a destination file whose bytes the run replaced: `b` and `a`
 * its metadata (the fields the run keeps), `f` the copy of its bytes before and what identifies both.
 */
export interface JournalEntry {
	c: string;
	p: string;
	k: unknown;
	op: 'create' | 'update' | 'delete' | 'bytes';
	b?: Row;
	a?: Row;
	f?: ReplacedBytes;
}

/**
 * The journal of one run. Written ahead: each batch of entries is kept in the source's database
 * (JournalChunks) before the writes it describes are sent, so a run whose process dies leaves what it
 * may have written behind; an entry whose write never happened is harmless to undo (the destination
 * does not hold what it says the run wrote). Memory holds one batch.
 */
export class RunJournal implements WriteJournal {
	entries = 0;
	readonly chunks: JournalChunks;
	private readonly fieldsOf: (collection: string) => string[];
	private readonly keep: BytesKeeper;

	constructor(chunks: JournalChunks, fieldsOf: (collection: string) => string[], keep: BytesKeeper) {
		this.chunks = chunks;
		this.fieldsOf = fieldsOf;
		this.keep = keep;
	}

	rowFields(collection: string): string[] {
		return this.fieldsOf(collection);
	}

	async created(collection: string, primaryKey: string, rows: Row[]): Promise<void> {
		await this.append(rows.map((row) => ({ c: collection, p: primaryKey, k: row[primaryKey], op: 'create' as const, a: row })));
	}

	async updated(collection: string, primaryKey: string, before: Map<string, Row>, rows: Row[]): Promise<void> {
		await this.append(
			rows.map((row) => {
				const previous = before.get(String(row[primaryKey])) ?? {};
				const fields = Object.keys(row).filter((field) => field !== primaryKey);
				return { c: collection, p: primaryKey, k: row[primaryKey], op: 'update' as const, b: pick(previous, fields), a: row };
			}),
		);
	}

	async deleted(collection: string, primaryKey: string, rows: Row[]): Promise<void> {
		await this.append(rows.map((row) => ({ c: collection, p: primaryKey, k: row[primaryKey], op: 'delete' as const, b: row })));
	}

	async replacingBytes(file: { key: string; before: Row; after: Row; written: ByteFacts }, current: <T>(consume: (bytes: Readable) => Promise<T>) => Promise<T>): Promise<void> {
		const kept = await current(async (bytes) => {
			const tap = measuring(bytes);
			const copy = await this.keep(file.key, tap.stream);
			return { copy, ...tap.facts() };
		});
		const { copy, ...before } = kept;
		await this.append([{ c: 'directus_files', p: 'id', k: file.key, op: 'bytes', b: file.before, a: file.after, f: { copy, before, after: file.written } }]);
	}

	private async append(entries: JournalEntry[]): Promise<void> {
		if (entries.length === 0) return;
		await this.chunks.append(entries);
		this.entries += entries.length;
	}
}

function pick(row: Row, fields: string[]): Row {
	return Object.fromEntries(fields.map((field) => [field, row[field] ?? null]));
}

/** `bytes` passed through, counted and hashed on the way (never held). */
export function measuring(bytes: Readable): { stream: Readable; facts: () => ByteFacts } {
	const hash = createHash('sha256');
	let size = 0;
	const stream = new Transform({
		transform(chunk: Buffer, _encoding, done) {
			hash.update(chunk);
			size += chunk.length;
			done(null, chunk);
		},
	});
	bytes.on('error', (error) => stream.destroy(error));
	bytes.pipe(stream);
	return { stream, facts: () => ({ size, sha256: hash.digest('hex') }) };
}

/** A journal's entries, read line by line from its file. */
export async function* journalEntries(lines: NodeJS.ReadableStream): AsyncGenerator<JournalEntry> {
	for await (const line of createInterface({ input: lines, crlfDelay: Infinity })) if (line.trim()) yield JSON.parse(line) as JournalEntry;
}
