import { DestinationClient } from '../../lib/destination/client.js';
import { underLease, type DestinationLease } from '../../lib/lease/lease.js';
import { defineMigrationOperation } from '../../lib/operation.js';
import { sourceIdOf } from '../../lib/sync-marker.js';
import { resolveDestination } from '../../lib/options/destination.js';
import { totalChanges } from '../../lib/schema/diff-summary.js';
import { resolveCollectionScope } from '../../lib/schema/scope.js';
import { takeSourceSnapshot } from '../../lib/schema/source-snapshot.js';
import { applySchemaPlan, planSchemaSync, schemaChanged } from '../../lib/schema/sync.js';
import { outOfScopeRelations } from '../../lib/schema/out-of-scope.js';
import { planAcrossVendors } from '../../lib/schema/across-vendors.js';
import { readDestinationSnapshot } from '../../lib/schema/destination-schema.js';
import { keepSchemaJournal } from '../../lib/rollback/schema.js';
import { schemaSyncOptions } from './options.js';

export default defineMigrationOperation('migration-schema-sync', schemaSyncOptions, async (options, context, { secrets, run }) => {
	const startedAt = Date.now();
	const destination = await resolveDestination(options, context.env);
	secrets.push(destination.token);
	const fullSnapshot = await takeSourceSnapshot(context);
	const scope = resolveCollectionScope(fullSnapshot, options);
	const scoped = scope === null ? fullSnapshot : await takeSourceSnapshot(context, scope);
	const client = new DestinationClient(destination);
	// Across database vendors (only with force: Directus refuses the diff otherwise), converted first.
	const vendors = options.force ? await planAcrossVendors(context, client, scoped) : { snapshot: scoped, acrossVendors: null, conversions: [] };
	const snapshot = vendors.snapshot;
	const holder = { operation: 'migration-schema-sync', source: sourceIdOf(context.env) };
	// A dry run only reads; an apply holds the destination's lease from its plan to its last change.
	if (options.dryRun) return syncSchema(null);
	return underLease(client, options, holder, context.logger, syncSchema);

	async function syncSchema(lease: DestinationLease | null) {
		const replan = () => planSchemaSync(client, snapshot, { mode: options.mode, force: options.force, scope, acrossVendors: vendors.acrossVendors });
		const plan = await replan();
		if (options.expectedHash && plan.hash !== null && plan.hash !== options.expectedHash) {
			throw schemaChanged(options.expectedHash, plan.hash);
		}

		let applied = false;
		let remaining = null;
		if (!options.dryRun && !plan.summary.inSync) {
			await run.begin({ host: destination.host });
			run.attach('schema', snapshot);
			run.watch(() => ({ phase: 'schema', collection: null, rows: { done: 0, total: 0 }, files: { done: 0, total: 0 }, warnings: 0, failures: 0 }));
			context.logger.info(`[migration-schema-sync] ${destination.host}: applying ${totalChanges(plan.summary)} schema changes`);
			// The destination's schema before (the pre-image migration-rollback goes back to).
			const before = await readDestinationSnapshot(client);
			await applySchemaPlan(client, plan, replan);
			applied = true;
			await keepSchemaJournal(client, before, (journal, entries) => run.keepJournal(journal, entries), context.logger);
			remaining = (await replan()).summary.counts;
		}

		return {
			operation: 'migration-schema-sync',
			ok: true,
			dryRun: options.dryRun,
			mode: options.mode,
			durationMs: Date.now() - startedAt,
			destination: { host: destination.host },
			hash: plan.hash,
			inSync: plan.summary.inSync,
			applied,
			counts: plan.summary.counts,
			collections: plan.summary.collections,
			remaining,
			conversions: vendors.conversions,
			requests: client.stats,
			warnings: outOfScopeRelations(snapshot, scope),
			...(lease ? { lease: lease.report } : {}),
		};
	}
});
