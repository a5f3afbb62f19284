import { DestinationClient } from '../../lib/destination/client.js';
import { assertAdminDestination } from '../../lib/destination/preflight.js';
import { defineMigrationOperation, Rejection } from '../../lib/operation.js';
import { resolveDestination } from '../../lib/options/destination.js';
import { undoJournal, type RollbackOutcome } from '../../lib/rollback/rollback.js';
import { journalBackwards } from '../../lib/runs/journal-file.js';
import { readFromLibrary, removeLibraryFolder } from '../../lib/runs/library.js';
import { readSchemaJournal, schemaRollbackWarnings, undoSchema } from '../../lib/rollback/schema.js';
import { systemRollbackWarnings } from '../../lib/rollback/system.js';
import { findRunToUndo, markRolledBack, newerRunsWarnings } from '../../lib/rollback/target.js';
import { underLease, type DestinationLease } from '../../lib/lease/lease.js';
import { sourceIdOf } from '../../lib/sync-marker.js';
import { rollbackOptions } from './options.js';

/** Restores the destination to its state before a run, from the run's journal; a dry run (the default) lists what would change. */
export default defineMigrationOperation('migration-rollback', rollbackOptions, async (options, context, { secrets, run }) => {
	const startedAt = Date.now();
	const destination = await resolveDestination(options, context.env);
	secrets.push(destination.token);
	const client = new DestinationClient(destination, { concurrency: options.concurrency });
	const { target, notUndone } = await findRunToUndo(context.database, context.env, client.host, options.run);
	await assertAdminDestination(client);
	const schema = await context.getSchema({ database: context.database });
	// A dry run only reads; a rollback that writes holds the destination's lease, like every writing run.
	if (options.dryRun) return undo(null);
	return underLease(client, options, { operation: 'migration-rollback', source: sourceIdOf(context.env) }, context.logger, undo);

	async function undo(lease: DestinationLease | null) {
		const outcome: RollbackOutcome = { collections: {}, files: { bytesRestored: 0 }, conflicts: [], failures: [], forced: 0, done: 0, total: target.journal!.entries };
		if (!options.dryRun) {
			await run.begin({ host: client.host });
			run.watch(() => ({ phase: 'rollback', collection: null, rows: { done: outcome.done, total: outcome.total }, files: { done: 0, total: 0 }, warnings: 0, failures: outcome.failures.length }));
		}
		const settings = { force: options.force, write: !options.dryRun };
		// A schema run is undone from its schema pre-image; every other run from its journal of rows.
		const schemaUndone = target.operation === 'migration-schema-sync' ? await undoSchema(client, await readSchemaJournal(context, target.journal!.file!), settings) : null;
		if (!schemaUndone) await undoJournal(journalBackwards(context, { id: target.id, journal: target.journal! }), { client, schema, openCopy: (file) => readFromLibrary(context, file) }, settings, outcome);
		const conflicts = Object.values(outcome.collections).reduce((sum, tally) => sum + tally.conflicts, 0) + (schemaUndone?.conflicts.length ?? 0);
		const failed = Object.values(outcome.collections).reduce((sum, tally) => sum + tally.failed, 0);
		if (!options.dryRun && conflicts === 0 && failed === 0) {
			// The bytes the run replaced are back on the destination: their copies go (see the README's rollback section).
			if (target.keptBytes) await removeLibraryFolder(context, target.keptBytes.folder).catch((error: Error) => context.logger.warn(`[migration-rollback] the kept bytes of run ${target.id} could not be removed: ${error.message}`));
			await markRolledBack(context.database, { ...target, keptBytes: undefined }, run.runId);
		}

		const report = {
			operation: 'migration-rollback',
			ok: conflicts === 0 && failed === 0,
			dryRun: options.dryRun,
			durationMs: Date.now() - startedAt,
			destination: { host: client.host },
			rolledBack: { runId: target.id, operation: target.operation, startedAt: target.startedAt, outcome: target.outcome },
			...(schemaUndone ? { schema: schemaUndone } : { collections: outcome.collections, files: outcome.files }),
			conflicts: outcome.conflicts,
			forced: outcome.forced + (schemaUndone?.forced ?? 0),
			failures: outcome.failures,
			requests: client.stats,
			...withWarnings([...(schemaUndone ? schemaRollbackWarnings(schemaUndone) : []), ...systemRollbackWarnings(target), ...newerRunsWarnings(notUndone, client.host)]),
			...(lease ? { lease: lease.report } : {}),
		};
		if (options.dryRun) return report;
		if (failed > 0) throw new Rejection({ code: 'ITEMS_FAILED', message: `The destination refused ${failed} row(s) of the rollback; see failures.`, ...report });
		if (conflicts > 0) {
			const message = `${conflicts} row(s) or schema change(s) changed on the destination since run ${target.id} were left alone; everything else was restored. See conflicts (force: true restores them too).`;
			throw new Rejection({ code: 'ROLLBACK_CONFLICT', message, ...report });
		}
		return report;
	}
});

function withWarnings(warnings: { code: string; message: string }[]): { warnings?: { code: string; message: string }[] } {
	return warnings.length > 0 ? { warnings } : {};
}
