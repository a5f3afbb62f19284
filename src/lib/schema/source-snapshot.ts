import type { Snapshot } from '@directus/types';
import { MigrationError } from '../errors.js';
import type { MigrationContext } from '../operation.js';
import { SOURCE_ADMIN } from '../source.js';

/** The source's schema snapshot, taken in process; scoped to some collections when a scope is given. */
export async function takeSourceSnapshot(context: MigrationContext, scope: Set<string> | null = null): Promise<Snapshot> {
	const schema = await context.getSchema({ database: context.database });
	const service = new context.services.SchemaService({ knex: context.database, schema, accountability: SOURCE_ADMIN });
	try {
		if (scope === null) return await service.snapshot();
		const snapshot = await service.snapshot({ scope: { includeCollections: [...scope] } });
		// Directus 11 ignores the scope and returns a full snapshot: keep only the scope.
		return {
			...snapshot,
			collections: snapshot.collections.filter((entry) => scope.has(entry.collection)),
			fields: snapshot.fields.filter((entry) => scope.has(entry.collection)),
			systemFields: (snapshot.systemFields ?? []).filter((entry) => scope.has(entry.collection)),
			relations: snapshot.relations.filter((entry) => scope.has(entry.collection)),
		};
	} catch (error) {
		throw new MigrationError('SOURCE_ERROR', `Could not take the source's schema snapshot: ${(error as Error).message}`);
	}
}
