import { DestinationClient } from '../../lib/destination/client.js';
import { underLease, type DestinationLease } from '../../lib/lease/lease.js';
import { defineMigrationOperation, Rejection } from '../../lib/operation.js';
import { sourceIdOf } from '../../lib/sync-marker.js';
import { resolveDestination } from '../../lib/options/destination.js';
import { migrateSystem } from '../../lib/system/migrate-system.js';
import { resolveSystemScopes } from '../../lib/system/scopes.js';
import { SourceRows } from '../../lib/system/source-rows.js';
import { systemOptions } from './options.js';

export default defineMigrationOperation('migration-system', systemOptions, async (options, context, { secrets }) => {
	const startedAt = Date.now();
	const destination = await resolveDestination(options, context.env);
	secrets.push(destination.token);
	const scopes = resolveSystemScopes(options.scope, context.env);
	const client = new DestinationClient(destination);
	const runningFlowId = (context as { flow?: { id?: string } }).flow?.id ?? null;
	const holder = { operation: 'migration-system', source: sourceIdOf(context.env) };
	// A dry run only reads; a run that writes holds the destination's lease throughout.
	if (options.dryRun) return migrate(null);
	return underLease(client, options, holder, context.logger, migrate);

	async function migrate(lease: DestinationLease | null) {
		const { tally, warnings, admin } = await migrateSystem(scopes, {
			client,
			source: new SourceRows(context),
			dryRun: options.dryRun,
			runningFlowId,
			activateFlows: options.activateFlows,
		});

		const report = {
			operation: 'migration-system',
			ok: tally.failedCount === 0,
			dryRun: options.dryRun,
			durationMs: Date.now() - startedAt,
			destination: { host: destination.host },
			scopes: tally.scopes,
			administrator: {
				role: { source: admin.source.roleId, destination: admin.destination.roleId },
				policy: { source: admin.source.policyId, destination: admin.destination.policyId },
			},
			changes: tally.changes,
			failures: tally.failures,
			skipped: tally.skipped,
			warnings,
			requests: client.stats,
			...(lease ? { lease: lease.report } : {}),
		};
		const { created, updated, failed } = tally.totals;
		const done = options.dryRun ? `dry run: would create ${created}, update ${updated}` : `created ${created}, updated ${updated}`;
		context.logger.info(`[migration-system] ${destination.host}: ${done}, failed ${failed} (${scopes.join(', ')})`);
		if (tally.failedCount > 0) {
			throw new Rejection({ code: 'SYSTEM_FAILED', message: `${tally.failedCount} system row(s) could not be written; see failures.`, ...report });
		}
		return report;
	}
});
