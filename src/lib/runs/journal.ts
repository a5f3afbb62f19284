import { createReadStream } from 'node:fs';
import { appendFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { Row } from '../items/diff-rows.js';

/**
 * What a writing run changed on the destination, so that migration-rollback can undo it. The write
 * methods of DestinationItems report every write here (through `client.journal`): the keys and values
 * of rows created, the previous and new values of the fields updated (never of unchanged rows), the
 * rows deleted. Values are what the destination's REST API returns, so hashed fields (masked there,
 * and never copied) never leave it.
 */
export interface WriteJournal {
	/** The fields kept of a row before it is deleted (every stored field the run knows, none hashed). */
	rowFields(collection: string): string[];
	created(collection: string, primaryKey: string, rows: Row[]): Promise<void>;
	updated(collection: string, primaryKey: string, before: Map<string, Row>, rows: Row[]): Promise<void>;
	deleted(collection: string, primaryKey: string, rows: Row[]): Promise<void>;
}

/** One line of the journal file: a write to one row. `b` what the row held before, `a` what the run wrote. */
export interface JournalEntry {
	c: string;
	p: string;
	k: unknown;
	op: 'create' | 'update' | 'delete';
	b?: Row;
	a?: Row;
}

/**
 * The journal of one run, appended batch by batch to a temporary NDJSON file (memory stays flat
 * however much the run writes) and saved into the Migrations folder when the run ends.
 */
export class FileJournal implements WriteJournal {
	entries = 0;
	private path: string | null = null;
	private readonly fieldsOf: (collection: string) => string[];

	constructor(fieldsOf: (collection: string) => string[]) {
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
		this.path ??= join(await mkdtemp(join(tmpdir(), 'directus-migration-journal-')), 'journal.ndjson');
		await appendFile(this.path, entries.map((entry) => JSON.stringify(entry)).join('\n') + '\n');
		this.entries += entries.length;
	}

	/** The file to save (null when the run changed nothing), and a way to remove it once saved. */
	async file(): Promise<{ open: () => NodeJS.ReadableStream; bytes: number; dispose: () => Promise<void> } | null> {
		if (!this.path) return null;
		const path = this.path;
		const { size } = await stat(path);
		return { open: () => createReadStream(path), bytes: size, dispose: () => rm(join(path, '..'), { recursive: true, force: true }) };
	}
}

function pick(row: Row, fields: string[]): Row {
	return Object.fromEntries(fields.map((field) => [field, row[field] ?? null]));
}

/** A journal's entries, read line by line from its file. */
export async function* journalEntries(lines: NodeJS.ReadableStream): AsyncGenerator<JournalEntry> {
	for await (const line of createInterface({ input: lines, crlfDelay: Infinity })) if (line.trim()) yield JSON.parse(line) as JournalEntry;
}
