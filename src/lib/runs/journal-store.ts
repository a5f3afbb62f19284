import type { Knex } from 'knex';
import type { JournalEntry } from './journal.js';

/**
 * Where a running run's journal lives until the run ends: rows of `directus_presets` beside the run
 * records (see store.ts), one row per batch of writes, in the source's shared database. A row is
 * inserted before the writes it describes are sent, so a run whose process dies leaves its journal
 * behind, readable by any replica; the row's `search` holds the run's id. When the run ends, the rows
 * are copied into one file of the Migrations folder and removed.
 */
/** The table of run records and journals (see store.ts for why a system table). */
export const PRESETS_TABLE = 'directus_presets';
/** The presets' `collection` of journal rows (never a real collection). */
export const JOURNAL_COLLECTION = 'directus_migration_journal';
const KIND = 'migration-journal';

function parseEntries(value: unknown): JournalEntry[] {
	return (typeof value === 'string' ? JSON.parse(value) : value) as JournalEntry[];
}

export class JournalChunks {
	private readonly database: Knex;
	private readonly run: number;
	/** The user owning the rows (the run record's owner), so that they are not global presets. */
	private readonly owner: string | null;

	constructor(database: Knex, run: number, owner: string | null = null) {
		this.database = database;
		this.run = run;
		this.owner = owner;
	}

	private rows() {
		return this.database(PRESETS_TABLE).where({ collection: JOURNAL_COLLECTION, layout: KIND, search: String(this.run) });
	}

	/** Keeps `entries` for good: once this resolves, they survive the process. */
	async append(entries: JournalEntry[]): Promise<void> {
		if (entries.length === 0) return;
		await this.database(PRESETS_TABLE).insert({
			collection: JOURNAL_COLLECTION,
			layout: KIND,
			search: String(this.run),
			bookmark: null,
			user: this.owner,
			role: null,
			layout_options: JSON.stringify(entries),
		});
	}

	/** The entries in the order they were written, one row in memory at a time. */
	async *forwards(): AsyncGenerator<JournalEntry> {
		let after = 0;
		for (;;) {
			const row = await this.rows().andWhere('id', '>', after).orderBy('id', 'asc').first('id', 'layout_options');
			if (!row) return;
			after = Number(row.id);
			yield* parseEntries(row.layout_options);
		}
	}

	/** The entries from the last written to the first, one row in memory at a time. */
	async *backwards(): AsyncGenerator<JournalEntry> {
		let before: number | null = null;
		for (;;) {
			const older = this.rows();
			if (before !== null) older.andWhere('id', '<', before);
			const row = await older.orderBy('id', 'desc').first('id', 'layout_options');
			if (!row) return;
			before = Number(row.id);
			yield* parseEntries(row.layout_options).reverse();
		}
	}

	async isEmpty(): Promise<boolean> {
		return !(await this.rows().first('id'));
	}

	async remove(): Promise<void> {
		await this.rows().delete();
	}
}
