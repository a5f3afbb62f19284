import { contentMigration, runContentSteps } from '../../lib/content/steps.js';
import { defineMigrationOperation } from '../../lib/operation.js';
import { verifyAfterWrites } from '../../lib/verify/run.js';
import { migrateTablesOptions } from './options.js';

/** Extract, transfer files and upsert items in one step. */
export default defineMigrationOperation('migration-migrate-tables', migrateTablesOptions, async (options, context, { secrets, run }) => {
	const migration = await contentMigration('migration-migrate-tables', options, context, secrets, run);
	return runContentSteps(migration, async () => {
		await migration.extract(options, options.batchSize);
		const fields = await migration.checkDestinationSchema(options.force);
		await migration.transferFiles(options);
		await migration.upsertItems(options, fields);
		if (options.verify) await verifyAfterWrites(migration, { ...options, includeFiles: options.includeFiles });
	}, { fields: true, marker: options.updatedAfter === undefined || options.updatedAfter === 'auto' });
});
