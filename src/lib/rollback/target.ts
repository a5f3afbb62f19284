import { MigrationError } from '../errors.js';
import { JournalChunks } from '../runs/journal-store.js';
import { RunStore, type RunRecord } from '../runs/store.js';
import type { Knex } from 'knex';

/**
 * The run to undo: the one named, or the last writing run to `host` with a journal that was not
 * rolled back yet. It must have written to `host`, kept a journal, and be over: finished, or
 * `interrupted` (its process died: its record went silent), in which case what its journal holds is
 * undone.
 */
export async function findRunToUndo(database: Knex, env: Record<string, unknown>, host: string, runId: number): Promise<{ target: RunRecord; notUndone: RunRecord[] }> {
	const store = new RunStore(database, env);
	if (runId > 0) {
		const record = await store.get(runId);
		if (!record) throw new MigrationError('NOT_FOUND', `run: there is no migration run ${runId} (records are kept for the last MIGRATION_RUNS_KEEP runs).`);
		if (record.destination.host !== host) {
			throw new MigrationError('INVALID_OPTIONS', `run: migration run ${runId} wrote to ${record.destination.host}, not to ${host}; point the destination at ${record.destination.host}.`);
		}
		if (record.outcome === 'running') {
			throw new MigrationError('INVALID_OPTIONS', `run: migration run ${runId} is still running (a run silent for MIGRATION_RUN_SILENCE_SECONDS counts as interrupted, and can be rolled back then).`);
		}
		if (!record.journal) throw new MigrationError('NOT_FOUND', `run: migration run ${runId} (${record.operation}) kept no journal of its changes: it wrote nothing, or it ran before its operation kept one.`);
		return { target: record, notUndone: [] };
	}
	const records = (await store.list(1000)).filter((record) => record.destination.host === host && record.outcome !== 'running' && record.rolledBackBy === null);
	let index = -1;
	for (const [at, record] of records.entries()) {
		if (await hasJournal(database, record)) {
			index = at;
			break;
		}
	}
	if (index < 0) throw new MigrationError('NOT_FOUND', `There is no migration run to ${host} to roll back (none with a journal that was not rolled back yet).`);
	// Newer runs that changed the destination without a journal (a schema apply whose journal could not be
	// kept, a system run of a version that kept none) stay as they are: the report says so.
	const notUndone = records.slice(0, index).filter((record) => JOURNAL_LESS_WRITERS.has(record.operation) && !wroteNothing(record));
	return { target: records[index]!, notUndone };
}

/** A system run whose report counts no row created or updated changed nothing (its journal, empty, was not kept). */
function wroteNothing(record: RunRecord): boolean {
	const scopes = record.operation === 'migration-system' ? (record.report?.['scopes'] as Record<string, { created?: number; updated?: number }> | undefined) : undefined;
	return scopes !== undefined && Object.values(scopes).every((scope) => !scope.created && !scope.updated);
}

/** Whether a run kept a journal with something in it (a run that died before its first write kept an empty one). */
async function hasJournal(database: Knex, record: RunRecord): Promise<boolean> {
	if (!record.journal) return false;
	return record.journal.file !== null || !(await new JournalChunks(database, record.id).isEmpty());
}

/**
 * Writing operations whose runs may change the destination without a journal: a schema run whose
 * journal could not be kept, a system run of a version before system runs kept one (see the README's
 * rollback limits).
 */
const JOURNAL_LESS_WRITERS = new Set(['migration-schema-sync', 'migration-system']);

/** Marks a run rolled back; an interrupted run's record says so from now on, ended at its last sign of life. */
export async function markRolledBack(database: Knex, record: RunRecord, by: number | null): Promise<void> {
	const { id, progress, ...stored } = record;
	const endedAt = stored.endedAt ?? (record.outcome === 'interrupted' ? (progress?.updatedAt ?? null) : null);
	await new RunStore(database).update(id, { ...stored, endedAt, rolledBackBy: by ?? -1 });
}

/** The warning that newer runs which keep no journal were not undone (none when there are none). */
export function newerRunsWarnings(notUndone: RunRecord[], host: string): { code: string; message: string }[] {
	if (notUndone.length === 0) return [];
	const runs = notUndone.map((record) => `${record.operation} #${record.id}`).join(', ');
	return [{ code: 'NEWER_RUNS_NOT_UNDONE', message: `Newer writing runs to ${host} keep no journal and were not undone: ${runs}.` }];
}
