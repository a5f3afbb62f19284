import type { SchemaOverview } from '@directus/types';
import type { DestinationClient } from '../destination/client.js';
import { modelCollection, withStoredHashes, type CollectionModel } from '../plan/collection-model.js';
import type { MigrationPlan, PlannedCollection } from '../plan/plan.js';
import { boundedPush, MAX_LISTED } from '../report.js';
import { comparedFields } from './compared-fields.js';
import { DestinationItems, type RowFailure } from './destination-items.js';
import type { ChunkChecksums } from '../verify/chunk.js';
import { diffRows, type Row } from './diff-rows.js';
import { LinkGuard } from './link-guard.js';
import { unequalRows } from './checksum-compare.js';
import { MAX_RECEIVER_ROWS } from '../receiver/protocol.js';
import { MigrationError } from '../errors.js';
import type { SourceItems } from './source-reader.js';
import { MAX_STORED_CHUNK, readableAsStored, type StoredVendor } from './stored-rows.js';
import { forEachConcurrently } from '../for-each-concurrently.js';

export interface CollectionTally {
	created: number;
	updated: number;
	unchanged: number;
	deleted: number;
	failed: number;
}

export interface ItemFailure {
	collection: string;
	key: unknown;
	reason: string;
}

export interface UpsertSettings {
	batchSize: number;
	concurrency: number;
	/** Restore date_created / user_created of created rows (a second, small write of those rows). */
	preserveAuthorship: boolean;
}

/**
 * Where a planned write goes: to the destination, or nowhere (a dry run counts the same decisions
 * and writes nothing). Both return the rows the destination refused.
 */
export interface Writes {
	create(items: DestinationItems, rows: Row[]): Promise<RowFailure[]>;
	update(items: DestinationItems, rows: Row[]): Promise<RowFailure[]>;
	writeSingleton(items: DestinationItems, row: Row): Promise<void>;
	delete(items: DestinationItems, keys: unknown[]): Promise<RowFailure[]>;
}

export const destinationWrites: Writes = {
	create: (items, rows) => items.create(rows),
	update: (items, rows) => items.update(rows),
	writeSingleton: (items, row) => items.writeSingleton(row),
	delete: (items, keys) => items.delete(keys),
};

export const noWrites: Writes = {
	create: async () => [],
	update: async () => [],
	writeSingleton: async () => {},
	delete: async () => [],
};

export const emptyTally = (): CollectionTally => ({ created: 0, updated: 0, unchanged: 0, deleted: 0, failed: 0 });

interface Logger {
	info(message: string): void;
}

/**
 * Writes the items of a plan to the destination: per collection in write order, batch by batch, it
 * reads the source rows, reads the destination rows with the same keys, and creates what is missing
 * and updates only the fields that differ. Links of cycles are written in a second pass.
 */
export class ItemUpserter {
	readonly tallies: Record<string, CollectionTally> = {};
	readonly failures: ItemFailure[] = [];
	readonly guard: LinkGuard;
	private readonly models = new Map<string, CollectionModel>();

	private readonly schema: SchemaOverview;
	private readonly source: SourceItems;
	private readonly client: DestinationClient;
	private readonly writes: Writes;
	private readonly settings: UpsertSettings;
	private readonly logger: Logger;

	constructor(args: {
		schema: SchemaOverview;
		source: SourceItems;
		client: DestinationClient;
		writes: Writes;
		settings: UpsertSettings;
		logger: Logger;
		plan: MigrationPlan;
	}) {
		this.schema = args.schema;
		this.source = args.source;
		this.client = args.client;
		this.writes = args.writes;
		this.settings = args.settings;
		this.logger = args.logger;
		const writtenInFull = new Set(args.plan.collections.filter((entry) => entry.filter === null).map((entry) => entry.collection));
		this.guard = new LinkGuard(args.client, args.schema, writtenInFull);
	}

	async run(plan: MigrationPlan): Promise<void> {
		for (const planned of plan.collections) {
			this.tallies[planned.collection] ??= emptyTally();
			await this.upsertCollection(planned, plan.deferred[planned.collection] ?? []);
		}
		for (const planned of plan.collections) {
			const deferred = plan.deferred[planned.collection] ?? [];
			if (deferred.length > 0) await this.writeDeferredLinks(planned, deferred);
		}
	}

	private model(collection: string): CollectionModel {
		let model = this.models.get(collection);
		if (!model) {
			model = modelCollection(this.schema, collection);
			if (this.client.writePath.kind === 'receiver') model = withStoredHashes(model, this.schema);
			this.models.set(collection, model);
		}
		return model;
	}

	private async upsertCollection(planned: PlannedCollection, deferred: string[]): Promise<void> {
		const model = this.model(planned.collection);
		const tally = this.tallies[planned.collection]!;
		const items = new DestinationItems(this.client, model.collection, model.primaryKey);
		const { stamps } = model;
		// The links of a cycle wait for the second pass.
		// Through the receiver every value lands as sent, stamps included: nothing to restore afterwards.
		const exactStamps = this.client.writePath.kind === 'receiver';
		const compared = comparedFields(model, { compareAuthorship: this.settings.preserveAuthorship, exactStamps }).compared.filter((field) => !deferred.includes(field));
		const restored = this.settings.preserveAuthorship && !exactStamps ? [...stamps.dateCreated, ...stamps.userCreated] : [];
		const byChecksums = this.comparesByChecksums(model);
		const stored = byChecksums ? this.storedComparison(model, planned, compared) : null;
		let done = 0;

		await this.forEachChunk(model, planned, model.fields, compared, byChecksums, stored, async (chunk, asked) => {
			if (model.singleton) {
				await this.guard.apply(model, chunk);
				for (const row of chunk) for (const field of deferred) delete row[field];
				await this.upsertSingleton(items, model, chunk[0]!, compared, tally);
			} else {
				let candidates = chunk;
				let absent: Set<string> | null = null;
				if (byChecksums) {
					const { missing, differing } = await unequalRows(items, chunk, model.primaryKey, compared, model.types, stored, asked);
					tally.unchanged += chunk.length - missing.length - differing.length;
					// In the source's key order, as without checksums.
					const unequal = new Set([...missing, ...differing]);
					candidates = chunk.filter((row) => unequal.has(row));
					absent = new Set(missing.map((row) => String(row[model.primaryKey])));
				}
				for await (const rows of this.writeBatches(model, candidates, model.fields, stored)) {
					await this.guard.apply(model, rows);
					for (const row of rows) for (const field of deferred) delete row[field];
					// Rows the checksums found missing need no read: the destination lacks them.
					const toRead = absent ? rows.filter((row) => !absent.has(String(row[model.primaryKey]))) : rows;
					const existing = toRead.length > 0 ? await items.readToCompare(toRead, compared, model.types) : new Map<string, Row>();
					const diff = diffRows(rows, existing, model.primaryKey, compared, model.types);
					// Rows reached through an M2O by includeRelated are only created: existing ones stay as they are.
					if (planned.createOnly) tally.unchanged += diff.toUpdate.splice(0).length;
					tally.unchanged += diff.unchanged;
					const createFailures = await this.writes.create(items, diff.toCreate);
					this.count(model.collection, tally, 'created', diff.toCreate.length, createFailures);
					if (restored.length > 0) await this.restoreAuthorship(items, model, diff.toCreate, createFailures, restored);
					const updateFailures = await this.writes.update(items, diff.toUpdate);
					this.count(model.collection, tally, 'updated', diff.toUpdate.length, updateFailures);
				}
			}
			done += chunk.length;
			this.logger.info(`[migration] ${model.collection}: ${done}/${planned.items}`);
		});
	}

	private async upsertSingleton(items: DestinationItems, model: CollectionModel, row: Row, compared: string[], tally: CollectionTally) {
		const current = await items.readSingleton(compared);
		if (!current) {
			await this.writes.writeSingleton(items, row);
			tally.created++;
			return;
		}
		const diff = diffRows([{ ...row, [model.primaryKey]: current[model.primaryKey] }], new Map([[String(current[model.primaryKey]), current]]), model.primaryKey, compared, model.types);
		if (diff.toUpdate.length === 0) {
			tally.unchanged++;
			return;
		}
		const { [model.primaryKey]: _key, ...changes } = diff.toUpdate[0]!;
		await this.writes.writeSingleton(items, changes);
		tally.updated++;
	}

	/** Directus stamps date_created and user_created on create; set them back to the source's values. */
	private async restoreAuthorship(items: DestinationItems, model: CollectionModel, created: Row[], refused: RowFailure[], fields: string[]) {
		const refusedKeys = new Set(refused.map((failure) => String(failure.key)));
		const stamps = created
			.filter((row) => !refusedKeys.has(String(row[model.primaryKey])))
			.map((row) => Object.fromEntries([model.primaryKey, ...fields].map((field) => [field, row[field] ?? null])));
		const failures = await this.writes.update(items, stamps);
		for (const failure of failures) this.fail(model.collection, failure);
	}

	/** Second pass: the links that close a cycle, once every row exists. Only differing values are written. */
	private async writeDeferredLinks(planned: PlannedCollection, deferred: string[]): Promise<void> {
		const model = this.model(planned.collection);
		const tally = this.tallies[planned.collection]!;
		const items = new DestinationItems(this.client, model.collection, model.primaryKey);
		const fields = [model.primaryKey, ...deferred];
		const byChecksums = this.comparesByChecksums(model);
		const stored = byChecksums ? this.storedComparison(model, planned, fields) : null;
		await this.forEachChunk(model, planned, fields, fields, byChecksums, stored, async (chunk, asked) => {
			// Through the receiver, only rows whose links differ (by checksums) are read; rows missing there are not written.
			const candidates = byChecksums ? (await unequalRows(items, chunk, model.primaryKey, fields, model.types, stored, asked)).differing : chunk;
			for await (const rows of this.writeBatches(model, candidates, fields, stored)) {
				await this.guard.apply(model, rows);
				const existing = await items.readByKeys(rows.map((row) => row[model.primaryKey]), deferred);
				const present = rows.filter((row) => existing.has(String(row[model.primaryKey])));
				const diff = diffRows(present, existing, model.primaryKey, deferred, model.types);
				const failures = await this.writes.update(items, diff.toUpdate);
				for (const failure of failures) this.fail(model.collection, failure);
				tally.failed += failures.length;
			}
		});
	}

	/**
	 * Through the receiver, a user collection's rows are first compared in chunks by checksums on both
	 * sides (see unequalRows): rows equal there are counted unchanged without crossing the network, the
	 * others are read and written. A singleton's key may differ between the instances: it is compared by reading it.
	 */
	private comparesByChecksums(model: CollectionModel): boolean {
		return this.client.writePath.kind === 'receiver' && !model.singleton && !model.collection.startsWith('directus_');
	}

	/**
	 * The vendor on which a collection's rows are compared as stored (see stored-rows.ts), or null: through
	 * the receiver, for a whole collection (a filter is Directus's to apply), when the destination runs
	 * the source's database vendor and every compared field's type is read exactly as stored.
	 */
	private storedComparison(model: CollectionModel, planned: PlannedCollection, compared: string[]): StoredVendor | null {
		const path = this.client.writePath;
		const vendor = this.source.storedVendor;
		if (path.kind !== 'receiver' || vendor === null || path.database !== vendor) return null;
		return planned.filter === null && readableAsStored(compared, model.types) ? vendor : null;
	}

	/**
	 * Runs `work` on the source's rows of a collection, chunk by chunk in key order, `concurrency`
	 * chunks at a time: as stored (`compared` only) when they are compared so, else with `fields`
	 * through the service, a checksum chunk at a time when comparing by checksums, else one write
	 * batch. A chunk of consecutive integer keys compared as stored is asked of the destination first
	 * (`asked`), so both sides read it at once.
	 */
	private async forEachChunk(
		model: CollectionModel,
		planned: PlannedCollection,
		fields: string[],
		compared: string[],
		byChecksums: boolean,
		stored: StoredVendor | null,
		work: (rows: Row[], asked: Promise<ChunkChecksums> | null) => Promise<void>,
	): Promise<void> {
		const { concurrency, batchSize } = this.settings;
		if (!stored) {
			const size = byChecksums ? Math.max(batchSize, CHECKSUM_CHUNK) : batchSize;
			return forEachConcurrently(this.source.batches(model, planned.filter, fields, size, planned.items), concurrency, (rows) => work(rows, null));
		}
		const items = new DestinationItems(this.client, model.collection, model.primaryKey);
		await forEachConcurrently(this.source.storedChunks(model, stored, compared, MAX_STORED_CHUNK), concurrency, async (chunk) => {
			const asked = chunk.range ? items.rangeChecksum(chunk.range, compared, model.types, stored) : null;
			// Awaited by the comparison; a failure of the read before it must not leave this promise unhandled.
			asked?.catch(() => undefined);
			await work(await chunk.rows(), asked);
		});
	}

	/**
	 * The rows to write, in write batches, in order: those given, or, when they were compared as stored
	 * (only their compared fields), the same rows read whole through the service, a checksum chunk of
	 * keys at a time (what a run holds stays as without stored reads).
	 */
	private async *writeBatches(model: CollectionModel, rows: Row[], fields: string[], stored: StoredVendor | null): AsyncGenerator<Row[]> {
		const { batchSize } = this.settings;
		const part = stored ? Math.max(batchSize, CHECKSUM_CHUNK) : rows.length;
		for (let first = 0; first < rows.length; first += part) {
			const slice = rows.slice(first, first + part);
			const whole = stored ? await this.source.rowsWithKeys(model, slice.map((row) => row[model.primaryKey]), fields) : slice;
			for (let start = 0; start < whole.length; start += batchSize) yield whole.slice(start, start + batchSize);
		}
	}

	private count(collection: string, tally: CollectionTally, kind: 'created' | 'updated', attempted: number, failures: RowFailure[]) {
		tally[kind] += attempted - failures.length;
		tally.failed += failures.length;
		for (const failure of failures) this.fail(collection, failure);
	}

	private fail(collection: string, failure: RowFailure) {
		boundedPush(this.failures, { collection, key: failure.key, reason: failure.reason }, MAX_LISTED);
	}

	/**
	 * Deletes destination rows of these collections whose keys the source no longer has. First counts,
	 * for every collection, the destination rows and those to delete, and refuses (DELETE_GUARD) before
	 * deleting anything when that is more than `maxDeleteShare` of a collection's rows: an empty or
	 * wrongly filtered source must not empty the destination. Then deletes, page by page; a row the
	 * destination refuses to delete (still referenced) is a failure with its key, not the end of the run.
	 */
	async deleteMissing(collections: PlannedCollection[], maxDeleteShare: number): Promise<void> {
		const counted: { planned: PlannedCollection; rows: number; missing: number }[] = [];
		for (const planned of collections) {
			if (this.model(planned.collection).singleton) continue;
			let rows = 0;
			let missing = 0;
			await this.forEachMissingPage(planned, async (keys, gone) => {
				rows += keys.length;
				missing += gone.length;
				return 0;
			});
			counted.push({ planned, rows, missing });
		}
		const overShare = counted.filter(({ rows, missing }) => missing > 0 && missing / rows > maxDeleteShare);
		if (overShare.length > 0) throw deleteGuard(overShare.map(({ planned, rows, missing }) => ({ collection: planned.collection, rows, missing })), maxDeleteShare);

		for (const { planned, missing } of counted) {
			if (missing === 0) continue;
			const model = this.model(planned.collection);
			const tally = (this.tallies[planned.collection] ??= emptyTally());
			const items = new DestinationItems(this.client, model.collection, model.primaryKey);
			await this.forEachMissingPage(planned, async (_keys, gone) => {
				const failures = await this.writes.delete(items, gone);
				tally.deleted += gone.length - failures.length;
				tally.failed += failures.length;
				for (const failure of failures) this.fail(model.collection, failure);
				// Rows really gone from the destination shift the pages after them (a dry run removes none).
				return this.writes === noWrites ? 0 : gone.length - failures.length;
			});
		}
	}

	/**
	 * Pages through the destination keys of `planned` in key order, handing each page and its keys the
	 * source lacks; `work` returns how many of them it deleted.
	 */
	private async forEachMissingPage(planned: PlannedCollection, work: (keys: unknown[], gone: unknown[]) => Promise<number>): Promise<void> {
		const model = this.model(planned.collection);
		const items = new DestinationItems(this.client, model.collection, model.primaryKey);
		await items.forEachKeyPage(DELETE_PAGE_SIZE, null, async (keys) => {
			const onSource = await this.source.existingKeys(model, keys);
			return work(keys, keys.filter((key) => !onSource.has(String(key))));
		});
	}
}

/** Source rows compared by checksums at once through the receiver (the most one request may name). */
const CHECKSUM_CHUNK = MAX_RECEIVER_ROWS;

/** Destination keys read per page when looking for rows to delete (less if the destination's QUERY_LIMIT_MAX is lower). */
const DELETE_PAGE_SIZE = 1000;

function deleteGuard(collections: { collection: string; rows: number; missing: number }[], maxDeleteShare: number): MigrationError {
	const listed = collections.map(({ collection, rows, missing }) => `${collection}: ${missing} of ${rows}`).join('; ');
	return new MigrationError(
		'DELETE_GUARD',
		`deleteMissing would delete more than ${Math.round(maxDeleteShare * 100)}% of the destination rows of ${listed}. Nothing was deleted. ` +
			'If the source really lost these rows (an empty source collection is the usual accident), raise maxDeleteShare (up to 1) and run again.',
		{ details: { maxDeleteShare, collections } },
	);
}
