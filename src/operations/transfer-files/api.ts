import { contentMigration, runContentSteps } from '../../lib/content/steps.js';
import { defineMigrationOperation } from '../../lib/operation.js';
import { findPlan } from '../../lib/plan/plan.js';
import { transferFilesOptions } from './options.js';

/** Streams the files a plan references (and the folder tree) to the destination, keeping their ids. */
export default defineMigrationOperation('migration-transfer-files', transferFilesOptions, async (options, context, { secrets, run }) => {
	const plan = findPlan(options.plan, context.data);
	const migration = await contentMigration('migration-transfer-files', options, context, secrets, run);
	return runContentSteps(migration, async () => {
		migration.use(plan);
		await migration.transferFiles(options);
	});
});
