import type { Filter, SchemaOverview } from '@directus/types';
import { DestinationClient } from '../destination/client.js';
import { resolveDestination, type DestinationOptions } from '../options/destination.js';
import { assertAdminDestination } from '../destination/preflight.js';
import { MigrationError, toMigrationError } from '../errors.js';
import { FileTransfer, referencedFileIds } from '../files/transfer.js';
import { SourceItems } from '../items/source-reader.js';
import { destinationWrites, ItemUpserter, noWrites, type UpsertSettings } from '../items/upsert.js';
import type { MigrationContext } from '../operation.js';
import { Rejection } from '../operation.js';
import { modelCollection } from '../plan/collection-model.js';
import type { MigrationPlan } from '../plan/plan.js';
import { planMigration, type Selection } from '../plan/select.js';
import { SyncMarker, sourceIdOf } from '../sync-marker.js';
import { failedCount, nulledLinkWarnings, type ContentReport } from './report.js';

/**
 * The three steps of a content migration, shared by the operations that run them one by one
 * (extract, transfer-files, upsert-items) and the one that runs them together (migrate-tables).
 */
export class ContentMigration {
	readonly report: ContentReport;
	private readonly context: MigrationContext;
	private readonly client: DestinationClient;
	private readonly startedAt = Date.now();
	private schema!: SchemaOverview;
	private source!: SourceItems;

	constructor(operation: string, context: MigrationContext, client: DestinationClient, dryRun: boolean) {
		this.context = context;
		this.client = client;
		this.report = {
			operation,
			ok: true,
			dryRun,
			durationMs: 0,
			destination: { host: client.host },
			collections: {},
			files: null,
			failures: { items: [], files: [] },
			warnings: [],
			requests: client.stats,
			plan: null as unknown as MigrationPlan,
		};
	}

	async open(): Promise<this> {
		await assertAdminDestination(this.client);
		this.schema = await this.context.getSchema({ database: this.context.database });
		this.source = new SourceItems(this.context, this.schema);
		return this;
	}

	/** Step 1: decide what moves. Reads only (the source, and the destination for related rows and the marker). */
	async extract(selection: Selection, batchSize: number): Promise<MigrationPlan> {
		const { plan, warnings } = await planMigration(this.schema, this.source, this.client, selection, {
			sourceId: sourceIdOf(this.context.env),
			batchSize,
		});
		this.report.warnings.push(...warnings);
		if (plan.files.included) await this.countFiles(plan, batchSize);
		this.report.plan = plan;
		for (const planned of plan.collections) this.context.logger.info(`[migration] plan: ${planned.collection}: ${planned.items} items`);
		return plan;
	}

	/** The open run's two sides, for a step defined elsewhere (verify after the writes). */
	get sides() {
		return { context: this.context, schema: this.schema, source: this.source, client: this.client };
	}

	use(plan: MigrationPlan): void {
		const unknown = plan.collections.filter((planned) => !this.schema.collections[planned.collection]);
		if (unknown.length > 0) {
			const names = unknown.map((entry) => entry.collection).join(', ');
			throw new MigrationError('INVALID_OPTIONS', `plan: names collections the source no longer has: ${names}`);
		}
		this.report.plan = plan;
	}

	private async countFiles(plan: MigrationPlan, batchSize: number): Promise<void> {
		const filesModel = modelCollection(this.schema, 'directus_files');
		for await (const ids of referencedFileIds(this.source, this.schema, plan, batchSize)) {
			for await (const rows of this.source.batches(filesModel, { id: { _in: ids } } as Filter, ['id', 'filesize'], ids.length, ids.length)) {
				plan.files.count += rows.length;
				plan.files.bytes += rows.reduce((sum, row) => sum + Number(row['filesize'] ?? 0), 0);
			}
		}
		plan.files.folders = await this.source.count('directus_folders', null);
	}

	/** Step 2: the files the plan's items reference, and the folder tree. */
	async transferFiles(settings: { batchSize: number; concurrency: number }): Promise<void> {
		const { batchSize, concurrency } = settings;
		const plan = this.report.plan;
		const transfer = new FileTransfer({
			context: this.context,
			schema: this.schema,
			source: this.source,
			client: this.client,
			write: !this.report.dryRun,
			concurrency,
		});
		this.report.files = transfer.tally;
		if (!plan.files.included || plan.files.references.length === 0) return;
		await transfer.syncFolders();
		for await (const ids of referencedFileIds(this.source, this.schema, plan, batchSize)) {
			await transfer.transferBatch(ids);
			this.context.logger.info(`[migration] files: ${transfer.tally.transferred} transferred, ${transfer.tally.skipped} skipped`);
		}
		this.report.failures.files.push(...transfer.failures);
	}

	/** Step 3: the items, created or updated only where they differ; then deletions and the sync marker. */
	async upsertItems(settings: UpsertSettings & { deleteMissing: boolean }): Promise<void> {
		const plan = this.report.plan;
		const upserter = new ItemUpserter({
			schema: this.schema,
			source: this.source,
			client: this.client,
			writes: this.report.dryRun ? noWrites : destinationWrites,
			settings,
			logger: this.context.logger,
			plan,
		});
		this.report.collections = upserter.tallies;
		try {
			await upserter.run(plan);
			if (settings.deleteMissing) {
				for (const planned of [...plan.collections].reverse()) if (!planned.related) await upserter.deleteMissing(planned);
			}
		} finally {
			this.report.failures.items.push(...upserter.failures);
			this.report.warnings.push(...nulledLinkWarnings(upserter.guard.nulled));
		}
		if (!this.report.dryRun && plan.marker) {
			const complete = plan.marker.collections.filter((collection) => (upserter.tallies[collection]?.failed ?? 0) === 0);
			await new SyncMarker(this.client, sourceIdOf(this.context.env)).advance(complete, plan.createdAt);
		}
	}

	/**
	 * The report to return, or a rejection carrying it: when a step failed outright (the destination
	 * went away), or when the destination refused some items or files after the rest was done.
	 */
	finish(failure?: unknown): ContentReport {
		this.report.durationMs = Date.now() - this.startedAt;
		if (failure !== undefined) {
			const error = toMigrationError(failure, 'DESTINATION_ERROR');
			this.report.ok = false;
			throw new Rejection({ ...error.toJSON(), ...this.report });
		}
		const failed = failedCount(this.report);
		if (failed.items > 0 || failed.files > 0) {
			this.report.ok = false;
			const code = failed.items > 0 ? 'ITEMS_FAILED' : 'FILES_FAILED';
			const message = `The destination refused ${failed.items} item(s) and ${failed.files} file(s); everything else was migrated. See failures.`;
			throw new Rejection({ code, message, ...this.report });
		}
		return this.report;
	}
}

/**
 * A content migration for one operation run: the destination from the options and the source's
 * environment (its token registered as a secret to scrub), one client with the run's concurrency.
 */
export function contentMigration(
	operation: string,
	options: DestinationOptions & { concurrency?: number; dryRun: boolean },
	context: MigrationContext,
	secrets: string[],
): ContentMigration {
	const destination = resolveDestination(options, context.env);
	secrets.push(destination.token);
	const client = new DestinationClient(destination, { concurrency: options.concurrency });
	return new ContentMigration(operation, context, client, options.dryRun);
}

/** Runs `steps` on a migration and returns its report (or rejects with it). */
export async function runContentSteps(migration: ContentMigration, steps: () => Promise<void>): Promise<ContentReport> {
	try {
		await migration.open();
		await steps();
	} catch (error) {
		if (error instanceof Rejection) throw error;
		return migration.finish(error);
	}
	return migration.finish();
}
