import type { ContentMigration } from '../content/steps.js';
import { failedCount } from '../content/report.js';
import { DestinationClient } from '../destination/client.js';
import { assertAdminDestination } from '../destination/preflight.js';
import { MigrationError } from '../errors.js';
import { SourceItems } from '../items/source-reader.js';
import { underLease, type LeaseOptions, type SkippedRun } from '../lease/lease.js';
import type { MigrationContext } from '../operation.js';
import { Rejection } from '../operation.js';
import { resolveDestination, type DestinationOptions } from '../options/destination.js';
import { planMigration } from '../plan/select.js';
import { SyncMarker, sourceIdOf } from '../sync-marker.js';
import type { RunRecorder } from '../runs/recorder.js';
import { outOfSyncMessage, type VerifyReport } from './report.js';
import { verifyScope, type VerifySettings } from './verify.js';
import { chooseWritePath, detectReceiver, type WritePathOptions } from '../write/write-path.js';

export interface VerifyScopeOptions {
	collections: string[];
	excludeCollections: string[];
	keys: (string | number)[];
	filter?: Record<string, unknown> | undefined;
}

/**
 * One `migration-verify` run: the destination and the scope (chosen with the same options, checks
 * and filters as a content migration) first, then the comparison. Resolves in sync, else rejects.
 */
export async function runVerify(
	options: DestinationOptions & VerifyScopeOptions & VerifySettings & LeaseOptions & WritePathOptions,
	context: MigrationContext,
	secrets: string[],
	run?: RunRecorder,
): Promise<VerifyReport | SkippedRun> {
	const startedAt = Date.now();
	const destination = await resolveDestination(options, context.env);
	secrets.push(destination.token);
	const client = new DestinationClient(destination, { concurrency: options.concurrency });
	await assertAdminDestination(client);
	const choice = chooseWritePath(options, await detectReceiver(client));
	client.writePath = choice.path;
	// Read only, no lease; with `repair` it writes, and holds the destination's lease from its scope to its last repair.
	if (!options.repair) return verify();
	// A repairing verify writes: it leaves a record, with a journal migration-rollback can undo.
	if (run) {
		client.journal = await run.begin({ host: client.host, journal: true });
		run.watch(() => ({ phase: 'verify', collection: null, rows: { done: 0, total: 0 }, files: { done: 0, total: 0 }, warnings: 0, failures: 0 }));
	}
	return underLease(client, options, { operation: 'migration-verify', source: sourceIdOf(context.env) }, context.logger, async (lease) => {
		try {
			return { ...(await verify()), lease: lease.report };
		} catch (error) {
			if (error instanceof Rejection) error.payload['lease'] = lease.report;
			throw error;
		}
	});

	async function verify(): Promise<VerifyReport> {
		const schema = await context.getSchema({ database: context.database });
		const source = new SourceItems(context, schema);
		const { plan } = await planMigration(schema, source, client, { ...options, includeRelated: false, includeFiles: options.includeFiles }, {
			marker: new SyncMarker(client, sourceIdOf(context.env)),
			batchSize: options.batchSize,
		});
		const outcome = await verifyScope({ context, schema, source, client }, plan.collections, options);
		return finishVerify({
			operation: 'migration-verify',
			durationMs: Date.now() - startedAt,
			destination: { host: client.host },
			requests: client.stats,
			warnings: choice.warnings,
			writePath: choice.path.kind,
			...outcome,
		});
	}
}

/** The report, or the rejection that carries it when the destination is out of sync. */
export function finishVerify(report: VerifyReport): VerifyReport {
	if (report.inSync) return report;
	throw new Rejection({ code: 'OUT_OF_SYNC', message: outOfSyncMessage(report), ...report });
}

/**
 * `verify: true` on a writing run: once the writes are done, compares the run's own scope (its plan's
 * collections with their filters) and puts the outcome under `verify` in the report. Out of sync
 * fails the run with OUT_OF_SYNC, unless it already fails for refused items or files (those say more).
 */
export async function verifyAfterWrites(
	migration: ContentMigration,
	settings: Omit<VerifySettings, 'repair' | 'compareAuthorship'> & { preserveAuthorship: boolean },
): Promise<void> {
	if (migration.report.dryRun) return;
	migration.phase = 'verify';
	const outcome = await verifyScope(migration.sides, migration.report.plan.collections, {
		...settings,
		includeFiles: settings.includeFiles && migration.report.plan.files.included,
		compareAuthorship: settings.preserveAuthorship,
		exactStamps: migration.sides.client.writePath.kind === 'receiver',
		repair: false,
	});
	migration.report.verify = outcome;
	const failed = failedCount(migration.report);
	if (!outcome.inSync && failed.items === 0 && failed.files === 0) throw new MigrationError('OUT_OF_SYNC', outOfSyncMessage(outcome));
}
