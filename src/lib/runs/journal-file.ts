import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { MigrationContext } from '../operation.js';
import { linesBackwards } from './backwards.js';
import { journalEntries, type JournalEntry } from './journal.js';
import { JournalChunks } from './journal-store.js';
import { readFromLibrary } from './library.js';

/**
 * A run's journal entries from the last to the first: from the source's database when the run did
 * not save it (it died, or the save failed), else from its file in the library.
 */
export function journalBackwards(context: MigrationContext, run: { id: number; journal: { file: string | null } }): AsyncGenerator<JournalEntry> {
	const file = run.journal.file;
	return file === null ? new JournalChunks(context.database, run.id).backwards() : savedJournalBackwards(context, file);
}

/** A run's journal entries from the first to the last, from the database or from its file in the library. */
export async function* journalForwards(context: MigrationContext, run: { id: number; journal: { file: string | null } }): AsyncGenerator<JournalEntry> {
	const file = run.journal.file;
	if (file === null) yield* new JournalChunks(context.database, run.id).forwards();
	else yield* journalEntries(await readFromLibrary(context, file));
}

/**
 * A saved journal's entries from the last to the first: the file is copied from the library to a
 * temporary file (streamed), then read backwards block by block, and removed when done.
 */
async function* savedJournalBackwards(context: MigrationContext, fileId: string): AsyncGenerator<JournalEntry> {
	const dir = await mkdtemp(join(tmpdir(), 'directus-migration-rollback-'));
	try {
		const path = join(dir, 'journal.ndjson');
		await pipeline(await readFromLibrary(context, fileId), createWriteStream(path));
		for await (const line of linesBackwards(path)) yield JSON.parse(line) as JournalEntry;
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}
