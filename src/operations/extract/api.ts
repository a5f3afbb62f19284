import { contentMigration, runContentSteps } from '../../lib/content/steps.js';
import { defineMigrationOperation } from '../../lib/operation.js';
import { extractOptions } from './options.js';

/** Decides what moves and returns the plan; writes nothing anywhere. */
export default defineMigrationOperation('migration-extract', extractOptions, async (options, context, { secrets }) => {
	const migration = await contentMigration('migration-extract', { ...options, dryRun: true }, context, secrets);
	return runContentSteps(migration, async () => {
		await migration.extract(options, options.batchSize);
	});
});
