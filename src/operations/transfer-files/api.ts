import { ContentMigration, runContentSteps } from '../../lib/content/steps.js';
import { DestinationClient } from '../../lib/destination/client.js';
import { defineMigrationOperation } from '../../lib/operation.js';
import { resolveDestination } from '../../lib/options/destination.js';
import { findPlan } from '../../lib/plan/plan.js';
import { transferFilesOptions } from './options.js';

/** Streams the files a plan references (and the folder tree) to the destination, keeping their ids. */
export default defineMigrationOperation('migration-transfer-files', transferFilesOptions, async (options, context, { secrets }) => {
	const plan = findPlan(options.plan, context.data);
	const destination = resolveDestination(options, context.env);
	secrets.push(destination.token);
	const client = new DestinationClient(destination, { concurrency: options.concurrency });
	const migration = new ContentMigration('migration-transfer-files', context, client, options.dryRun);
	return runContentSteps(migration, async () => {
		migration.use(plan);
		await migration.transferFiles(options);
	});
});
