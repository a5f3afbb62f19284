import type { SchemaOverview } from '@directus/types';
import { DestinationClient } from '../destination/client.js';
import { resolveDestination, type DestinationOptions } from '../options/destination.js';
import { assertAdminDestination } from '../destination/preflight.js';
import { MigrationError, toMigrationError } from '../errors.js';
import { countReferencedFiles, referencedFileIds } from '../files/referenced.js';
import { FileTransfer, readFoldersToSync, type FileTally } from '../files/transfer.js';
import { DestinationLease, underLease, type LeaseOptions, type LeaseSeen, type SkippedRun } from '../lease/lease.js';
import { SourceItems } from '../items/source-reader.js';
import { modelCollection } from '../plan/collection-model.js';
import { destinationWrites, ItemUpserter, noWrites, type UpsertSettings, type Writes } from '../items/upsert.js';
import type { MigrationContext } from '../operation.js';
import { chooseWritePath, detectReceiver, openReceiver, type WritePathOptions } from '../write/write-path.js';
import type { ReceiverInfo } from '../receiver/protocol.js';
import { finishReceiverRun } from '../write/finish-run.js';
import { Rejection } from '../operation.js';
import type { MigrationPlan } from '../plan/plan.js';
import { planMigration, type Selection } from '../plan/select.js';
import { SyncMarker, sourceIdOf, type MarkerPreset } from '../sync-marker.js';
import type { RunRecorder } from '../runs/recorder.js';
import type { ProgressFacts } from '../runs/progress.js';
import type { RunPhase } from '../runs/store.js';
import { CatchUpSource } from './catch-up.js';
import {
	checkFields,
	isSchemaMismatch,
	missingFields,
	notCopiedWarnings,
	readDestinationFields,
	schemaMismatch,
	type DestinationFields,
	writablePlan,
	writableSchema,
	type FieldCheck,
} from './field-check.js';
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
	/** The step in hand, for live progress. */
	phase: RunPhase = 'plan';
	/** How a writing run takes the destination's lease; the lease while it is held. */
	readonly leaseOptions: LeaseOptions;
	private lease: DestinationLease | null = null;
	/** The sync marker: read by the plan, moved at the end (under the lease: no other run moves it in between). */
	private readonly marker: SyncMarker;

	private readonly writePathOptions: WritePathOptions;
	/** The destination's fields, read while the lease is taken (see readAhead) or with the receiver's `open`. */
	private fieldsAhead: Promise<DestinationFields> | undefined;
	/** The lease as the receiver's `open` found it (see underLease: a run that finds it free reads first). */
	leaseSeen: LeaseSeen | undefined;
	/** How many warnings open() left (kept when the steps run again). */
	private openWarnings = 0;
	/** The run's record and journal being started (a writing run's): settled before the steps begin. */
	recordStarted: Promise<void> = Promise.resolve();

	constructor(
		operation: string,
		context: MigrationContext,
		client: DestinationClient,
		dryRun: boolean,
		writePath: WritePathOptions,
		leaseOptions: LeaseOptions = DEFAULT_LEASE,
	) {
		this.context = context;
		this.client = client;
		this.marker = new SyncMarker(client, sourceIdOf(context.env));
		this.writePathOptions = writePath;
		this.leaseOptions = leaseOptions;
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
			writePath: 'rest',
		};
	}

	/**
	 * Looks the destination up: its receiver and the write path, and (`needs`) the reads the steps will
	 * make of it. A receiver with the `open` route answers all of it in one request, the lease as well
	 * (a run that finds it free reads on and takes it at its first write); otherwise the receiver is
	 * asked for its version and the reads start while the lease is taken.
	 */
	async open(needs: ReadAhead = NOTHING_AHEAD): Promise<this> {
		// The receiver answers admins only: when it answers, the token is an admin's. Otherwise the admin
		// check says what is wrong (not Directus, token refused, not an admin) before the receiver is asked again.
		const tokenRefused = (error: unknown): undefined => {
			if (error instanceof MigrationError && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN')) return undefined;
			throw error;
		};
		// The source's schema is read while the destination answers (an event Flow's context may hand it over at once).
		const schema = Promise.resolve(this.context.getSchema({ database: this.context.database }));
		schema.catch(() => {});
		const opened = await openReceiver(this.client, { fields: needs.fields, marker: needs.marker ? this.marker.name : undefined }).catch(tokenRefused);
		let receiver: ReceiverInfo | null | undefined = opened === null ? await detectReceiver(this.client).catch(tokenRefused) : opened;
		if (!receiver) {
			await assertAdminDestination(this.client);
			if (receiver === undefined) receiver = await detectReceiver(this.client);
		}
		const choice = chooseWritePath(this.writePathOptions, receiver);
		this.client.writePath = choice.path;
		this.report.writePath = choice.path.kind;
		this.report.warnings.push(...choice.warnings);
		this.openWarnings = this.report.warnings.length;
		if (opened && choice.path.kind === 'receiver') {
			this.leaseSeen = opened.lease;
			if (opened.fields) this.fieldsAhead = Promise.resolve(new Map(Object.entries(opened.fields).map(([collection, fields]) => [collection, new Set(fields)])));
			if (opened.marker !== undefined) this.marker.seed(opened.marker as MarkerPreset | null);
		} else {
			this.readAhead(needs);
		}
		this.schema = await schema;
		this.source = new SourceItems(this.context, this.schema);
		return this;
	}

	/**
	 * Starts the destination reads the steps will need (its fields; the sync marker of an `auto` plan)
	 * so that they travel while the lease is taken, instead of one after another behind it.
	 */
	private readAhead(needs: ReadAhead): void {
		if (needs.fields) {
			this.fieldsAhead = readDestinationFields(this.client);
			this.fieldsAhead.catch(() => {});
		}
		if (needs.marker) this.marker.prefetch();
	}

	/** Step 1: decide what moves. Reads only (the source, and the destination for related rows and the marker). */
	async extract(selection: Selection, batchSize: number): Promise<MigrationPlan> {
		this.phase = 'plan';
		const { plan, warnings } = await planMigration(this.schema, this.source, this.client, selection, {
			marker: this.marker,
			batchSize,
		});
		this.report.warnings.push(...warnings);
		if (plan.files.included) await this.countFiles(plan, batchSize);
		this.report.plan = plan;
		for (const planned of plan.collections) this.context.logger.info(`[migration] plan: ${planned.collection}: ${planned.items} items`);
		return plan;
	}

	/** The steps that follow run under `lease`: the report says when it was held, the marker moves only while it is. */
	hold(lease: DestinationLease): void {
		this.lease = lease;
		this.report.lease = lease.report;
		// Steps that run again (another run held the destination while they read) start from a clean report.
		if (lease.restarted) this.startAgain();
		// A run that waited for another one reads the destination as that run left it.
		if (lease.waitedForAnother || lease.restarted) {
			this.marker.forget();
			this.fieldsAhead = undefined;
		}
	}

	/** Takes the run's lease if it reads before taking it (see DestinationLease.atFirstWrite): before a write. */
	private async beforeWrite(): Promise<void> {
		await this.lease?.ensure();
	}

	/** The report as open() left it: the steps' first run wrote nothing, and they run again. */
	private startAgain(): void {
		const report = this.report;
		report.warnings.length = this.openWarnings;
		report.collections = {};
		report.files = null;
		report.failures = { items: [], files: [] };
		delete report.missingPickedUp;
		delete report.verify;
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
		const { count, bytes } = await countReferencedFiles(this.source, this.schema, plan, batchSize);
		plan.files.count = count;
		plan.files.bytes = bytes;
		plan.files.folders = (await readFoldersToSync(this.source, modelCollection(this.schema, 'directus_folders'))).length;
	}

	/** Step 2: the files the plan's items reference, and the folder tree. */
	async transferFiles(settings: { batchSize: number; concurrency: number; resumableAboveMB: number }): Promise<void> {
		const { batchSize, concurrency } = settings;
		this.phase = 'files';
		const plan = this.report.plan;
		const source = this.sourceFor(plan, this.schema);
		const transfer = new FileTransfer({
			context: this.context,
			schema: this.schema,
			source,
			client: this.client,
			write: !this.report.dryRun,
			beforeWrite: () => this.beforeWrite(),
			concurrency,
			resumableAboveBytes: settings.resumableAboveMB * 1024 * 1024,
		});
		this.report.files = transfer.tally;
		if (!plan.files.included || plan.files.references.length === 0) return;
		try {
			await transfer.syncFolders();
			for await (const ids of referencedFileIds(source, this.schema, plan, batchSize)) {
				await transfer.transferBatch(ids);
				this.context.logger.info(`[migration] files: ${transfer.tally.transferred} transferred, ${transfer.tally.skipped} skipped`);
			}
		} finally {
			// A run that ends early still names the files that failed before.
			this.report.failures.files.push(...transfer.failures);
			this.report.warnings.push(...nulledLinkWarnings(transfer.guard.nulled));
		}
	}

	/**
	 * Before the first write: the destination must have every planned collection and field, else the
	 * run stops with SCHEMA_MISMATCH naming them; with `force` it goes on without them and the report
	 * names each one. Hashed and concealed fields, never copied, are named in every run too.
	 */
	async checkDestinationSchema(force: boolean): Promise<FieldCheck> {
		this.phase = 'schema';
		const fields = await (this.fieldsAhead ?? readDestinationFields(this.client));
		this.fieldsAhead = undefined;
		const check = checkFields(this.schema, this.report.plan, fields, { storedHashes: this.client.writePath.kind === 'receiver' });
		if (isSchemaMismatch(check) && !force) throw schemaMismatch(check);
		this.report.warnings.push(...notCopiedWarnings(check));
		return check;
	}

	/**
	 * Step 3: the items, created or updated only where they differ; then deletions and the sync marker.
	 * `check` (from checkDestinationSchema) says which collections and fields the destination can take.
	 */
	async upsertItems(settings: UpsertSettings & { deleteMissing: boolean; maxDeleteShare: number }, check: FieldCheck): Promise<void> {
		this.phase = 'items';
		const plan = writablePlan(this.report.plan, check);
		const schema = writableSchema(this.schema, check);
		const source = this.sourceFor(plan, schema);
		const upserter = new ItemUpserter({
			schema,
			source,
			client: this.client,
			writes: this.report.dryRun ? noWrites : afterLease(destinationWrites, () => this.beforeWrite()),
			settings,
			logger: this.context.logger,
			plan,
		});
		this.report.collections = upserter.tallies;
		try {
			await upserter.run(plan);
			if (settings.deleteMissing) {
				await upserter.deleteMissing([...plan.collections].reverse().filter((planned) => !planned.related), settings.maxDeleteShare);
			}
		} finally {
			await this.finishReceiver(upserter);
			this.report.failures.items.push(...upserter.failures);
			this.report.warnings.push(...nulledLinkWarnings(upserter.guard.nulled));
			if (source instanceof CatchUpSource) this.report.missingPickedUp = source.pickedUp;
		}
		if (plan.marker) await this.advanceMarker(plan, upserter, check);
	}

	/**
	 * Through the receiver, batches leave the destination's data cache alone: it is purged once here,
	 * at the end of the run's writes, and the run leaves its one audit row (finishReceiverRun).
	 */
	private async finishReceiver(upserter: ItemUpserter): Promise<void> {
		if (this.report.dryRun) return;
		const tallies = Object.values(upserter.tallies);
		const sum = (count: (tally: (typeof tallies)[number]) => number) => tallies.reduce((total, tally) => total + count(tally), 0);
		const counts = { created: sum((tally) => tally.created), updated: sum((tally) => tally.updated), deleted: sum((tally) => tally.deleted), failed: sum((tally) => tally.failed) };
		const warning = await finishReceiverRun(this.client, {
			operation: this.report.operation,
			source: sourceIdOf(this.context.env),
			collections: Object.keys(upserter.tallies),
			rows: counts.created + counts.updated,
			counts,
			system: false,
		}, filesWritten(this.report.files));
		if (warning) this.report.warnings.push(warning);
	}

	/**
	 * The rows a step walks: an `auto` run's collections with a marker also take the rows the destination
	 * lacks whatever their dates (see CatchUpSource), for the files they reference as for their items.
	 */
	private sourceFor(plan: MigrationPlan, schema: SchemaOverview): SourceItems {
		const catchUp = plan.marker ? plan.collections.filter((planned) => planned.since !== null).map((planned) => planned.collection) : [];
		return catchUp.length > 0 ? new CatchUpSource(this.context, schema, this.client, catchUp) : this.source;
	}

	/**
	 * Moves the sync marker of the collections this run wrote completely. A collection with a refused
	 * row, a link set to null, a referenced file that failed, or a field left out keeps its marker, so the
	 * next `auto` run looks at the same rows again (they are unchanged on the source and would be missed).
	 */
	private async advanceMarker(plan: MigrationPlan, upserter: ItemUpserter, check: FieldCheck): Promise<void> {
		const held = new Map<string, string>();
		const hold = (collection: string, reason: string) => {
			if (!held.has(collection)) held.set(collection, reason);
		};
		for (const collection of plan.marker!.collections) {
			if ((upserter.tallies[collection]?.failed ?? 0) > 0) hold(collection, 'rows were refused');
		}
		for (const label of upserter.guard.nulled.keys()) hold(label.split('.')[0]!, 'links were set to null');
		if ((this.report.files?.failed ?? 0) > 0) {
			for (const { collection } of plan.files.references) hold(collection, 'referenced files failed');
		}
		for (const collection of check.missingCollections) hold(collection, 'the destination lacks the collection');
		for (const collection of Object.keys(missingFields(check))) hold(collection, 'the destination lacks some fields');

		const complete = plan.marker!.collections.filter((collection) => upserter.tallies[collection] && !held.has(collection));
		for (const collection of plan.marker!.collections) {
			const reason = held.get(collection);
			if (reason) {
				this.report.warnings.push({
					code: 'MARKER_NOT_ADVANCED',
					collection,
					reason,
					message: `${collection}: the sync marker stays where it was (${reason}); the next "auto" run compares these rows again.`,
				});
			}
		}
		if (this.report.dryRun) return;
		// A marker already set where this run wrote nothing (and, for `auto`, found nothing changed) stays as
		// it is: every row changed since it is still ahead of it (a marker only needs to move for the rows a
		// run took). A cron Flow's ticks with nothing new then write nothing to the destination, whichever
		// `updatedAfter` they use.
		const watermarks = await this.marker.watermarks();
		const moved = complete.filter((collection) => !(collection in watermarks && leftAsItWas(plan, collection, upserter)));
		if (moved.length === 0) return;
		await this.lease?.confirm();
		await this.marker.advance(moved, plan.createdAt);
	}

	/** Where the run stands, read by the run recorder for live progress (from the report's live tallies). */
	progress(): ProgressFacts {
		const { plan, collections, files } = this.report;
		const tallies = Object.entries(collections);
		const failed = failedCount(this.report);
		return {
			phase: this.phase,
			collection: this.phase === 'items' ? (tallies.at(-1)?.[0] ?? null) : null,
			rows: {
				done: tallies.reduce((sum, [, tally]) => sum + tally.created + tally.updated + tally.unchanged + tally.failed, 0),
				total: (plan?.collections ?? []).reduce((sum, planned) => sum + planned.items, 0),
			},
			files: { done: files ? files.transferred + files.skipped + files.failed : 0, total: plan?.files.count ?? 0 },
			warnings: this.report.warnings.length,
			failures: failed.items + failed.files,
		};
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
export async function contentMigration(
	operation: string,
	options: DestinationOptions & { concurrency?: number; dryRun: boolean } & Partial<LeaseOptions> & Partial<WritePathOptions>,
	context: MigrationContext,
	secrets: string[],
	run?: RunRecorder,
): Promise<ContentMigration> {
	const destination = await resolveDestination(options, context.env);
	secrets.push(destination.token);
	const client = new DestinationClient(destination, { concurrency: options.concurrency });
	const lease = { ...DEFAULT_LEASE, ...definedOnly({ whenBusy: options.whenBusy, waitSeconds: options.waitSeconds, leaseSeconds: options.leaseSeconds }) };
	const writePath = { writePath: options.writePath ?? 'auto', trackActivity: options.trackActivity ?? false, emitEvents: options.emitEvents ?? false };
	const migration = new ContentMigration(operation, context, client, options.dryRun, writePath, lease);
	// A writing run leaves a record with live progress, and keeps what it changes for migration-rollback.
	// The record is written while the destination is opened (runContentSteps waits for both).
	if (run && !options.dryRun) {
		migration.recordStarted = run.begin({ host: client.host, journal: true }).then((journal) => {
			client.journal = journal;
			run.watch(() => migration.progress());
		});
	}
	return migration;
}

/** Destination reads a run's steps will make, started ahead (see ContentMigration.readAhead). */
export interface ReadAhead {
	fields: boolean;
	marker: boolean;
}

const NOTHING_AHEAD: ReadAhead = { fields: false, marker: false };

const DEFAULT_LEASE: LeaseOptions = { whenBusy: 'wait', waitSeconds: 600, leaseSeconds: 120 };

function definedOnly<T extends object>(value: T): Partial<T> {
	return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/**
 * Runs `steps` on a migration and returns its report (or rejects with it). A run that writes runs its
 * steps under the destination's lease, from the plan (the marker it reads) to the marker it moves.
 */
export async function runContentSteps(migration: ContentMigration, steps: () => Promise<void>, readAhead: ReadAhead = NOTHING_AHEAD): Promise<ContentReport | SkippedRun> {
	try {
		// Both settle before anything else: a record begun after the run had ended would stay `running`.
		const [opened, recorded] = await Promise.allSettled([migration.open(readAhead), migration.recordStarted]);
		if (opened.status === 'rejected') throw opened.reason;
		if (recorded.status === 'rejected') throw recorded.reason;
		if (migration.report.dryRun) {
			await steps();
		} else {
			const { client, context } = migration.sides;
			const holder = { operation: migration.report.operation, source: sourceIdOf(context.env) };
			const skipped = await underLease(client, migration.leaseOptions, holder, context.logger, async (lease) => {
				migration.hold(lease);
				await steps();
			}, migration.leaseSeen);
			if (skipped) return skipped;
		}
	} catch (error) {
		if (error instanceof Rejection) throw error;
		return migration.finish(error);
	}
	return migration.finish();
}

/** `writes`, each taking the run's lease first (when the run reads before taking it) unless it has nothing to write. */
function afterLease(writes: Writes, beforeWrite: () => Promise<void>): Writes {
	const first = async (count: number) => {
		if (count > 0) await beforeWrite();
	};
	return {
		create: async (items, rows) => (await first(rows.length), writes.create(items, rows)),
		update: async (items, rows) => (await first(rows.length), writes.update(items, rows)),
		writeSingleton: async (items, row) => (await first(1), writes.writeSingleton(items, row)),
		delete: async (items, keys) => (await first(keys.length), writes.delete(items, keys)),
	};
}

/** Files and folders a run created or changed on the destination. */
function filesWritten(files: FileTally | null): number {
	return files ? files.transferred + files.updated + files.folders.created + files.folders.updated : 0;
}

/** Whether the run wrote no row of `collection`, and (`auto`) found none changed since its marker. */
function leftAsItWas(plan: MigrationPlan, collection: string, upserter: ItemUpserter): boolean {
	const planned = plan.collections.find((entry) => entry.collection === collection);
	const tally = upserter.tallies[collection];
	return planned !== undefined && (planned.since === null || planned.items === 0) && tally !== undefined && tally.created + tally.updated + tally.deleted === 0;
}
