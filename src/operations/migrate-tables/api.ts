import { ContentMigration, runContentSteps } from '../../lib/content/steps.js';
import { DestinationClient } from '../../lib/destination/client.js';
import { defineMigrationOperation } from '../../lib/operation.js';
import { resolveDestination } from '../../lib/options/destination.js';
import { migrateTablesOptions } from './options.js';

/** Extract, transfer files and upsert items in one step. */
export default defineMigrationOperation('migration-migrate-tables', migrateTablesOptions, async (options, context, { secrets }) => {
	const destination = resolveDestination(options, context.env);
	secrets.push(destination.token);
	const client = new DestinationClient(destination, { concurrency: options.concurrency });
	const migration = new ContentMigration('migration-migrate-tables', context, client, options.dryRun);
	return runContentSteps(migration, async () => {
		await migration.extract(options, options.batchSize);
		await migration.transferFiles(options);
		await migration.upsertItems(options);
	});
});
