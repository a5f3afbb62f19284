import { DestinationClient } from '../../lib/destination/client.js';
import { underLease, type DestinationLease } from '../../lib/lease/lease.js';
import { defineMigrationOperation, Rejection } from '../../lib/operation.js';
import { sourceIdOf } from '../../lib/sync-marker.js';
import { resolveDestination } from '../../lib/options/destination.js';
import { migrateSystem } from '../../lib/system/migrate-system.js';
import { resolveSystemScopes } from '../../lib/system/scopes.js';
import { SourceRows } from '../../lib/system/source-rows.js';
import { systemRunSummary } from '../../lib/system/tally.js';
import { systemOptions } from './options.js';
import { findMigrationsFolder } from '../../lib/runs/library.js';
import { chooseWritePath, detectReceiver } from '../../lib/write/write-path.js';
import { finishReceiverRun } from '../../lib/write/finish-run.js';
import { assertPasswordsMayTravel, copyPasswordHashes, type PasswordTally } from '../../lib/system/passwords.js';

export default defineMigrationOperation('migration-system', systemOptions, async (options, context, { secrets, run }) => {
	const startedAt = Date.now();
	const destination = await resolveDestination(options, context.env);
	secrets.push(destination.token);
	const scopes = resolveSystemScopes(options.scope, context.env);
	const client = new DestinationClient(destination);
	if (!options.dryRun) {
		// The run keeps what it writes (rows created, fields updated with their values before) for migration-rollback.
		client.journal = await run.begin({ host: destination.host, journal: true });
		run.watch(() => ({ phase: 'system', collection: null, rows: { done: 0, total: 0 }, files: { done: 0, total: 0 }, warnings: 0, failures: 0 }));
	}
	const runningFlowId = (context as { flow?: { id?: string } }).flow?.id ?? null;
	const choice = chooseWritePath(options, await detectReceiver(client));
	client.writePath = choice.path;
	const withPasswords = options.includePasswords && scopes.includes('users');
	if (withPasswords) await assertPasswordsMayTravel(client);
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
			migrationsFolder: await findMigrationsFolder(context.database),
		});

		let passwords: PasswordTally | null = null;
		if (withPasswords) {
			passwords = await copyPasswordHashes(context, client, options.dryRun);
			// Users with a copied hash need no reset; the warning stays only if some had none to copy.
			if (passwords.skipped === 0) warnings.splice(0, warnings.length, ...warnings.filter((warning) => warning.code !== 'PASSWORD_RESET_REQUIRED'));
		}
		warnings.unshift(...choice.warnings);
		const finished = options.dryRun ? null : await finishReceiverRun(client, systemRunSummary(tally, passwords?.copied ?? null, sourceIdOf(context.env)));
		if (finished) warnings.push(finished);

		const report = {
			operation: 'migration-system',
			ok: tally.failedCount === 0,
			dryRun: options.dryRun,
			durationMs: Date.now() - startedAt,
			destination: { host: destination.host },
			writePath: client.writePath.kind,
			scopes: tally.scopes,
			administrator: {
				role: { source: admin.source.roleId, destination: admin.destination.roleId },
				policy: { source: admin.source.policyId, destination: admin.destination.policyId },
			},
			changes: tally.changes,
			failures: tally.failures,
			skipped: tally.skipped,
			passwords,
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
