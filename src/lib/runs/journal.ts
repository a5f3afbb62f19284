import { createInterface } from 'node:readline';
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
}

/** One entry of the journal (a line of its file): a write to one row. `b` what the row held before, `a` what the run wrote. */
export interface JournalEntry {
	c: string;
	p: string;
	k: unknown;
	op: 'create' | 'update' | 'delete';
	b?: Row;
	a?: Row;
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

	constructor(chunks: JournalChunks, fieldsOf: (collection: string) => string[]) {
		this.chunks = chunks;
		this.fieldsOf = fieldsOf;
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

	private async append(entries: JournalEntry[]): Promise<void> {
		if (entries.length === 0) return;
		await this.chunks.append(entries);
		this.entries += entries.length;
	}
}

function pick(row: Row, fields: string[]): Row {
	return Object.fromEntries(fields.map((field) => [field, row[field] ?? null]));
}

/** A journal's entries, read line by line from its file. */
export async function* journalEntries(lines: NodeJS.ReadableStream): AsyncGenerator<JournalEntry> {
	for await (const line of createInterface({ input: lines, crlfDelay: Infinity })) if (line.trim()) yield JSON.parse(line) as JournalEntry;
}
