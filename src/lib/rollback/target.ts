import { MigrationError } from '../errors.js';
import { RunStore, type RunRecord } from '../runs/store.js';
import type { Knex } from 'knex';

/**
 * The run to undo: the one named, or the last finished writing run to `host` with a journal that was
 * not rolled back yet. It must have written to `host` and kept a journal.
 */
export async function findRunToUndo(database: Knex, host: string, runId: number): Promise<{ target: RunRecord; notUndone: RunRecord[] }> {
	const store = new RunStore(database);
	if (runId > 0) {
		const record = await store.get(runId);
		if (!record) throw new MigrationError('NOT_FOUND', `run: there is no migration run ${runId} (records are kept for the last MIGRATION_RUNS_KEEP runs).`);
		if (record.destination.host !== host) {
			throw new MigrationError('INVALID_OPTIONS', `run: migration run ${runId} wrote to ${record.destination.host}, not to ${host}; point the destination at ${record.destination.host}.`);
		}
		if (record.outcome === 'running') throw new MigrationError('INVALID_OPTIONS', `run: migration run ${runId} is still running.`);
		if (!record.journal) throw new MigrationError('NOT_FOUND', `run: migration run ${runId} (${record.operation}) kept no journal of its changes: it wrote no items or files, or it is not a content migration.`);
		return { target: record, notUndone: [] };
	}
	const records = (await store.list(1000)).filter((record) => record.destination.host === host && record.outcome !== 'running' && record.rolledBackBy === null);
	const index = records.findIndex((record) => record.journal);
	if (index < 0) throw new MigrationError('NOT_FOUND', `There is no migration run to ${host} to roll back (none with a journal that was not rolled back yet).`);
	// Newer runs that changed the destination without a journal (schema applies, system runs) stay as they are: the report says so.
	const notUndone = records.slice(0, index).filter((record) => JOURNAL_LESS_WRITERS.has(record.operation));
	return { target: records[index]!, notUndone };
}

/** Writing operations that keep no journal (see the README's rollback limits). */
const JOURNAL_LESS_WRITERS = new Set(['migration-schema-sync', 'migration-system']);

export async function markRolledBack(database: Knex, record: RunRecord, by: number | null): Promise<void> {
	const { id, progress: _progress, ...stored } = record;
	await new RunStore(database).update(id, { ...stored, rolledBackBy: by ?? -1 });
}
