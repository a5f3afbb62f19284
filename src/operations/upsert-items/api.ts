import { contentMigration, runContentSteps } from '../../lib/content/steps.js';
import { defineMigrationOperation } from '../../lib/operation.js';
import { verifyAfterWrites } from '../../lib/verify/run.js';
import { findPlan } from '../../lib/plan/plan.js';
import { upsertItemsOptions } from './options.js';

/** Writes a plan's items: creates what is missing, updates what differs, leaves identical rows alone. */
export default defineMigrationOperation('migration-upsert-items', upsertItemsOptions, async (options, context, { secrets, run }) => {
	const plan = findPlan(options.plan, context.data);
	const migration = await contentMigration('migration-upsert-items', options, context, secrets, run);
	return runContentSteps(migration, async () => {
		migration.use(plan);
		await migration.upsertItems(options, await migration.checkDestinationSchema(options.force));
		if (options.verify) await verifyAfterWrites(migration, { ...options, includeFiles: true });
	}, { fields: true, marker: plan.marker !== null });
});
