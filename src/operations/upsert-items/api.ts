import { ContentMigration, runContentSteps } from '../../lib/content/steps.js';
import { DestinationClient } from '../../lib/destination/client.js';
import { defineMigrationOperation } from '../../lib/operation.js';
import { resolveDestination } from '../../lib/options/destination.js';
import { findPlan } from '../../lib/plan/plan.js';
import { upsertItemsOptions } from './options.js';

/** Writes a plan's items: creates what is missing, updates what differs, leaves identical rows alone. */
export default defineMigrationOperation('migration-upsert-items', upsertItemsOptions, async (options, context, { secrets }) => {
	const plan = findPlan(options.plan, context.data);
	const destination = resolveDestination(options, context.env);
	secrets.push(destination.token);
	const client = new DestinationClient(destination, { concurrency: options.concurrency });
	const migration = new ContentMigration('migration-upsert-items', context, client, options.dryRun);
	return runContentSteps(migration, async () => {
		migration.use(plan);
		await migration.upsertItems(options);
	});
});
