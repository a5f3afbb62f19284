import { ContentMigration, runContentSteps } from '../../lib/content/steps.js';
import { DestinationClient } from '../../lib/destination/client.js';
import { defineMigrationOperation } from '../../lib/operation.js';
import { resolveDestination } from '../../lib/options/destination.js';
import { extractOptions } from './options.js';

/** Decides what moves and returns the plan; writes nothing anywhere. */
export default defineMigrationOperation('migration-extract', extractOptions, async (options, context, { secrets }) => {
	const destination = resolveDestination(options, context.env);
	secrets.push(destination.token);
	const client = new DestinationClient(destination);
	const migration = new ContentMigration('migration-extract', context, client, true);
	return runContentSteps(migration, async () => {
		await migration.extract(options, options.batchSize);
	});
});
