import type { Filter, SchemaOverview } from '@directus/types';
import type { DestinationClient } from '../destination/client.js';
import { DestinationItems, type RowFailure } from '../items/destination-items.js';
import type { Row } from '../items/diff-rows.js';
import { and, type SourceItems } from '../items/source-reader.js';
import type { MigrationContext } from '../operation.js';
import { modelCollection, type CollectionModel, withStoredHashes } from '../plan/collection-model.js';
import type { PlannedCollection } from '../plan/plan.js';
import { boundedPush, MAX_LISTED } from '../report.js';
import { compareChunk, differingFields, extraKeys, type ChunkDifferences } from './chunk.js';
import { unequalRows } from '../items/checksum-compare.js';
import { comparedFields } from '../items/compared-fields.js';
import { FileComparison, referencedFiles } from './files.js';
import { forEachConcurrently } from '../for-each-concurrently.js';
import {
	emptyCollectionReport,
	emptyRepair,
	isInSync,
	recordChunk,
	recordExtras,
	type CollectionVerifyReport,
	type FileVerifyReport,
	type RepairReport,
	type VerifyReport,
} from './report.js';

/** The two sides a verify reads: the source in process, the destination through the one client. */
export interface VerifySides {
	context: MigrationContext;
	schema: SchemaOverview;
	source: SourceItems;
	client: DestinationClient;
}

export interface VerifySettings {
	batchSize: number;
	concurrency: number;
	/** Extra destination rows make the scope out of sync (and repair deletes them). */
	deleteMissing: boolean;
	/** Rewrite missing and differing rows from the source, then compare again. */
	repair: boolean;
	includeFiles: boolean;
	/** date_created / user_created were carried (preserveAuthorship): compare them too. */
	compareAuthorship: boolean;
	/** The rows were written through the receiver: every stamp is the source's, all are compared. */
	exactStamps?: boolean;
}

export type VerifyOutcome = Pick<VerifyReport, 'inSync' | 'collections' | 'files' | 'repair'>;

/**
 * Compares a scope (collections in write order, each with the filter choosing its rows) between the
 * source and the destination. With `repair`, a first pass rewrites what differs, and the result is
 * the comparison that follows it.
 */
export async function verifyScope(sides: VerifySides, scope: PlannedCollection[], settings: VerifySettings): Promise<VerifyOutcome> {
	let repair: RepairReport | null = null;
	if (settings.repair) {
		repair = emptyRepair();
		await compareScope(sides, scope, settings, repair);
	}
	const { collections, files } = await compareScope(sides, scope, settings, null);
	return { inSync: isInSync({ collections, files }, settings.deleteMissing), collections, files, repair };
}

async function compareScope(
	sides: VerifySides,
	scope: PlannedCollection[],
	settings: VerifySettings,
	repair: RepairReport | null,
): Promise<{ collections: Record<string, CollectionVerifyReport>; files: FileVerifyReport | null }> {
	const collections: Record<string, CollectionVerifyReport> = {};
	const files = settings.includeFiles ? new FileComparison(sides) : null;
	for (const planned of scope) {
		collections[planned.collection] = await new CollectionVerifier(sides, planned, settings, files, repair).run();
	}
	return { collections, files: files?.report ?? null };
}

/** One collection: chunk by chunk in key order, then the destination's keys for extras. */
class CollectionVerifier {
	private readonly model: CollectionModel;
	private readonly compared: string[];
	private readonly report: CollectionVerifyReport;
	private readonly items: DestinationItems;

	private readonly sides: VerifySides;
	private readonly planned: PlannedCollection;
	private readonly settings: VerifySettings;
	private readonly files: FileComparison | null;
	private readonly repair: RepairReport | null;

	constructor(sides: VerifySides, planned: PlannedCollection, settings: VerifySettings, files: FileComparison | null, repair: RepairReport | null) {
		this.sides = sides;
		this.planned = planned;
		this.settings = settings;
		this.files = files;
		this.repair = repair;
		const model = modelCollection(sides.schema, planned.collection);
		// Through the receiver, hashed fields are compared as stored hashes on both sides.
		this.model = settings.exactStamps ? withStoredHashes(model, sides.schema) : model;
		const { compared, notCompared } = comparedFields(this.model, settings);
		this.compared = compared;
		this.report = emptyCollectionReport(notCompared);
		this.items = new DestinationItems(sides.client, this.model.collection, this.model.primaryKey);
	}

	async run(): Promise<CollectionVerifyReport> {
		const { model, planned, settings } = this;
		const chunks = this.sides.source.batches(model, planned.filter, model.fields, settings.batchSize, planned.items);
		await forEachConcurrently(chunks, settings.concurrency, (rows) => (model.singleton ? this.compareSingleton(rows[0]!) : this.compareRows(rows)));
		if (model.singleton) return this.report;
		// Rows chosen by "changed since" cannot be found on the destination by the same filter (its stamps are its own).
		if (planned.since) this.report.extraChecked = false;
		else if (!(await this.noExtraPossible())) await this.findExtras();
		return this.report;
	}

	private async compareRows(rows: Row[]): Promise<void> {
		const key = this.model.primaryKey;
		const differences = this.viaReceiver ? await this.compareByChecksums(rows) : compareChunk(rows, await this.items.readToCompare(rows, this.compared, this.model.types), key, this.compared, this.model.types);
		recordChunk(this.report, rows.length, differences);
		if (this.files) await this.files.compare(referencedFiles(this.model, rows, this.compared));
		if (this.repair) await this.repairChunk(rows, differences);
	}

	/** Through the receiver, a user collection's chunks are checksummed on the destination. */
	private get viaReceiver(): boolean {
		return this.sides.client.writePath.kind === 'receiver' && !this.model.collection.startsWith('directus_');
	}

	/**
	 * The destination computes the chunk's checksum (see unequalRows); only the rows it names as
	 * differing are read, to name their differing fields.
	 */
	private async compareByChecksums(rows: Row[]): Promise<ChunkDifferences> {
		const { primaryKey: key, types } = this.model;
		const { missing, differing: suspects } = await unequalRows(this.items, rows, key, this.compared, types);
		const differing = suspects.length === 0 ? [] : compareChunk(suspects, await this.items.readToCompare(suspects, this.compared, types), key, this.compared, types).differing;
		return { missing: missing.map((row) => row[key]), differing };
	}

	/** A singleton's one row; its key may differ between the instances, so it is not compared. */
	private async compareSingleton(row: Row): Promise<void> {
		const fields = this.compared.filter((field) => field !== this.model.primaryKey);
		const current = await this.items.readSingleton(fields);
		const differences: ChunkDifferences = { missing: [], differing: [] };
		if (!current) differences.missing.push(row[this.model.primaryKey]);
		else {
			const differing = differingFields(row, current, fields, this.model.types);
			if (differing.length > 0) differences.differing.push({ key: row[this.model.primaryKey], fields: differing });
		}
		recordChunk(this.report, 1, differences);
		if (this.files) await this.files.compare(referencedFiles(this.model, [row], fields));
		if (this.repair && (differences.missing.length > 0 || differences.differing.length > 0)) {
			const { [this.model.primaryKey]: _key, ...values } = row;
			await this.items.writeSingleton(values);
			this.repair[current ? 'updated' : 'created']++;
		}
	}

	/** Writes the chunk's missing rows whole and, of differing rows, the differing fields only. */
	private async repairChunk(rows: Row[], differences: ChunkDifferences): Promise<void> {
		const repair = this.repair!;
		const key = this.model.primaryKey;
		const byKey = new Map(rows.map((row) => [String(row[key]), row]));
		const missing = differences.missing.map((missingKey) => byKey.get(String(missingKey))!);
		const updates = differences.differing.map(({ key: rowKey, fields }) => {
			const row = byKey.get(String(rowKey))!;
			return Object.fromEntries([key, ...fields].map((field) => [field, row[field] ?? null]));
		});
		const createFailures = await this.items.create(missing);
		this.count(repair, 'created', missing.length, createFailures);
		const { dateCreated, userCreated } = this.model.stamps;
		const authorship = [...dateCreated, ...userCreated].filter((field) => this.compared.includes(field));
		if (this.settings.compareAuthorship && authorship.length > 0 && missing.length > 0) {
			// Directus stamps these on create: set them back to the source's values.
			const refused = new Set(createFailures.map((failure) => String(failure.key)));
			const stamps = missing
				.filter((row) => !refused.has(String(row[key])))
				.map((row) => Object.fromEntries([key, ...authorship].map((field) => [field, row[field] ?? null])));
			this.record(repair, await this.items.update(stamps));
		}
		this.count(repair, 'updated', updates.length, await this.items.update(updates));
	}

	/** Destination keys in scope, page by page, that the source does not have in scope. */
	/**
	 * Whether the destination can hold no row outside the source's: for a whole collection, when it
	 * has exactly as many rows as it matched source rows (every key compared, none missing), its keys
	 * are the source's. One count instead of a walk through every destination key.
	 */
	private async noExtraPossible(): Promise<boolean> {
		if (this.planned.filter !== null) return false;
		return (await this.items.count()) === this.report.rows - this.report.missing;
	}

	private async findExtras(): Promise<void> {
		const { model, planned, settings } = this;
		const key = model.primaryKey;
		await this.items.forEachKeyPage(settings.batchSize, planned.filter, async (keys) => {
			const onSource = new Set<string>();
			const inScope = and(planned.filter, { [key]: { _in: keys } } as Filter);
			for await (const rows of this.sides.source.batches(model, inScope, [key], keys.length, keys.length)) {
				for (const row of rows) onSource.add(String(row[key]));
			}
			const extra = extraKeys(keys, onSource);
			recordExtras(this.report, extra);
			if (!this.repair || !settings.deleteMissing || extra.length === 0) return 0;
			const failures = await this.items.delete(extra);
			this.repair.deleted += extra.length - failures.length;
			this.record(this.repair, failures);
			return extra.length - failures.length;
		});
	}

	private count(repair: RepairReport, kind: 'created' | 'updated', attempted: number, failures: RowFailure[]): void {
		repair[kind] += attempted - failures.length;
		this.record(repair, failures);
	}

	private record(repair: RepairReport, failures: RowFailure[]): void {
		repair.failed += failures.length;
		for (const failure of failures) boundedPush(repair.failures, { collection: this.model.collection, ...failure }, MAX_LISTED);
	}
}
