import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { MigrationContext } from '../operation.js';
import { linesBackwards } from './backwards.js';
import type { JournalEntry } from './journal.js';
import { readFromLibrary } from './library.js';

/**
 * A saved journal's entries from the last to the first: the file is copied from the library to a
 * temporary file (streamed), then read backwards block by block, and removed when done.
 */
export async function* journalBackwards(context: MigrationContext, fileId: string): AsyncGenerator<JournalEntry> {
	const dir = await mkdtemp(join(tmpdir(), 'directus-migration-rollback-'));
	try {
		const path = join(dir, 'journal.ndjson');
		await pipeline(await readFromLibrary(context, fileId), createWriteStream(path));
		for await (const line of linesBackwards(path)) yield JSON.parse(line) as JournalEntry;
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}
