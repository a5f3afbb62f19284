import type { Readable } from 'node:stream';
import type { Filter, SchemaOverview } from '@directus/types';
import type { DestinationClient } from '../destination/client.js';
import pLimit from 'p-limit';
import type { MigrationContext } from '../operation.js';
import { boundedPush } from '../report.js';
import { DestinationItems, isRowRefusal, type RowFailure } from '../items/destination-items.js';
import { diffRows, type Row } from '../items/diff-rows.js';
import { LinkGuard } from '../items/link-guard.js';
import { SourceItems } from '../items/source-reader.js';
import { modelCollection, type CollectionModel } from '../plan/collection-model.js';
import { multipartContentType, multipartStream, newBoundary } from './multipart.js';

/** File fields kept on the destination as on the source (bytes aside). */
export const FILE_METADATA_FIELDS = [
	'title',
	'description',
	'tags',
	'metadata',
	'location',
	'focal_point_x',
	'focal_point_y',
	'filename_download',
	'type',
	'width',
	'height',
	'duration',
	'folder',
	'uploaded_on',
	'uploaded_by',
	'charset',
	'embed',
	'created_on',
];

export interface FileTally {
	transferred: number;
	skipped: number;
	updated: number;
	failed: number;
	bytes: number;
	folders: { created: number; updated: number; unchanged: number };
}

export interface FileFailure {
	id: string;
	reason: string;
}

/**
 * Moves files with their ids: the folder tree first (same ids, parents first), then per batch the
 * files the destination lacks (or holds with another size) are streamed over, and the metadata of
 * every file is brought in line, writing only what differs.
 */
export class FileTransfer {
	readonly tally: FileTally = {
		transferred: 0,
		skipped: 0,
		updated: 0,
		failed: 0,
		bytes: 0,
		folders: { created: 0, updated: 0, unchanged: 0 },
	};
	readonly failures: FileFailure[] = [];
	private readonly filesModel: CollectionModel;
	private readonly folderModel: CollectionModel;
	private readonly guard: LinkGuard;
	private readonly files: DestinationItems;
	private readonly assets: InstanceType<MigrationContext['services']['AssetsService']>;

	private readonly context: MigrationContext;
	private readonly schema: SchemaOverview;
	private readonly source: SourceItems;
	private readonly client: DestinationClient;
	private readonly write: boolean;
	private readonly concurrency: number;

	constructor(args: {
		context: MigrationContext;
		schema: SchemaOverview;
		source: SourceItems;
		client: DestinationClient;
		write: boolean;
		concurrency: number;
	}) {
		this.context = args.context;
		this.schema = args.schema;
		this.source = args.source;
		this.client = args.client;
		this.write = args.write;
		this.concurrency = args.concurrency;
		this.filesModel = modelCollection(this.schema, 'directus_files');
		this.folderModel = modelCollection(this.schema, 'directus_folders');
		this.files = new DestinationItems(this.client, 'directus_files', 'id');
		// Folders are all written first; users and anything else linked are checked on the destination.
		this.guard = new LinkGuard(this.client, this.schema, new Set(['directus_folders']));
		this.assets = new this.context.services.AssetsService({ knex: this.context.database, schema: this.schema, accountability: null });
	}

	/** Creates and updates folders so the destination has the source's tree with the same ids. */
	async syncFolders(): Promise<void> {
		const folders = new DestinationItems(this.client, 'directus_folders', 'id');
		const fields = ['id', 'name', 'parent'];
		const all: Row[] = [];
		for await (const rows of this.source.batches(this.folderModel, null, fields, 1000)) all.push(...rows);
		const existing = await folders.readByKeys(all.map((row) => row['id']), fields);
		const ordered = parentsFirst(all);
		const diff = diffRows(ordered, existing, 'id', fields);
		this.tally.folders.unchanged = diff.unchanged;
		if (!this.write) {
			this.tally.folders.created = diff.toCreate.length;
			this.tally.folders.updated = diff.toUpdate.length;
			return;
		}
		// One by one in order: a folder's parent must exist before it.
		for (const row of diff.toCreate) this.recordFolder(await folders.create([row]), 'created');
		this.recordFolder(await folders.update(diff.toUpdate), 'updated', diff.toUpdate.length);
	}

	private recordFolder(failures: RowFailure[], kind: 'created' | 'updated', attempted = 1) {
		this.tally.folders[kind] += attempted - failures.length;
		this.tally.failed += failures.length;
		for (const failure of failures) boundedPush(this.failures, { id: String(failure.key), reason: `folder: ${failure.reason}` });
	}

	/** Transfers one batch of file ids. */
	async transferBatch(ids: string[]): Promise<void> {
		const metadata = FILE_METADATA_FIELDS.filter((field) => this.filesModel.fields.includes(field));
		const sourceRows = await this.readSourceFiles(ids, ['id', 'filesize', 'filename_disk', 'modified_on', ...metadata]);
		await this.guard.apply(this.filesModel, sourceRows);
		const compared = ['id', ...metadata];
		const existing = await this.files.readByKeys(ids, ['filesize', 'modified_on', ...compared]);

		const toSend = sourceRows.filter((row) => !holdsSameBytes(row, existing.get(String(row['id'])), this.client.clockOffsetMs));
		this.tally.skipped += sourceRows.length - toSend.length;
		if (!this.write) {
			this.tally.transferred += toSend.length;
			this.tally.bytes += toSend.reduce((sum, row) => sum + Number(row['filesize'] ?? 0), 0);
			return;
		}
		const limit = pLimit(this.concurrency);
		await Promise.all(toSend.map((row) => limit(() => this.transferOne(row, existing.has(String(row['id']))))));

		// Directus recomputes some metadata on upload (uploaded_on, image metadata): bring it in line.
		const after = toSend.length > 0 ? await this.files.readByKeys(ids, compared) : existing;
		const wanted = sourceRows.map((row) => Object.fromEntries(compared.map((field) => [field, row[field]])));
		const diff = diffRows(wanted, after, 'id', compared, this.filesModel.types);
		const failures = await this.files.update(diff.toUpdate);
		// `updated` counts files whose metadata alone changed: the completion of a file sent just now is part of its transfer.
		const sent = new Set(toSend.map((row) => String(row['id'])));
		const refused = new Set(failures.map((failure) => String(failure.key)));
		this.tally.updated += diff.toUpdate.filter((row) => !sent.has(String(row['id'])) && !refused.has(String(row['id']))).length;
		this.tally.failed += failures.length;
		for (const failure of failures) boundedPush(this.failures, { id: String(failure.key), reason: `metadata: ${failure.reason}` });
	}

	/** One file's bytes; a refusal is recorded, a failure of the destination itself ends the run. */
	private async transferOne(row: Row, replace: boolean): Promise<void> {
		try {
			// Checks the bytes exist in the source's storage without opening them: a missing file fails
			// this file, not the run.
			await this.assets.getAsset(String(row['id']), undefined, undefined, true);
		} catch (error) {
			this.tally.failed++;
			boundedPush(this.failures, { id: String(row['id']), reason: `the source cannot read the file: ${(error as Error).message}` });
			return;
		}
		try {
			await this.upload(row, replace);
			if (!replace) await this.client.journal?.created('directus_files', 'id', [{ id: row['id'], filesize: row['filesize'] }]);
			this.tally.transferred++;
			this.tally.bytes += Number(row['filesize'] ?? 0);
		} catch (error) {
			if (!isRowRefusal(error)) throw error;
			// An earlier attempt whose answer was lost may have stored it already.
			const stored = (await this.files.readByKeys([row['id']], ['filesize'])).get(String(row['id']));
			if (stored && String(stored['filesize']) === String(row['filesize'])) {
				this.tally.transferred++;
				this.tally.bytes += Number(row['filesize'] ?? 0);
				return;
			}
			this.tally.failed++;
			boundedPush(this.failures, { id: String(row['id']), reason: (error as Error).message });
		}
	}

	private async isStored(row: Row): Promise<'applied' | 'not-applied'> {
		const stored = (await this.files.readByKeys([row['id']], ['filesize'])).get(String(row['id']));
		return stored && String(stored['filesize']) === String(row['filesize']) ? 'applied' : 'not-applied';
	}

	private async readSourceFiles(ids: string[], fields: string[]): Promise<Row[]> {
		const rows: Row[] = [];
		for await (const batch of this.source.batches(this.filesModel, { id: { _in: ids } } as Filter, fields, ids.length, ids.length)) rows.push(...batch);
		return rows;
	}

	private async upload(row: Row, replace: boolean): Promise<void> {
		const fields: Record<string, string> = { filename_download: String(row['filename_download'] ?? row['id']) };
		if (!replace) fields['id'] = String(row['id']);
		if (row['folder']) fields['folder'] = String(row['folder']);
		if (row['title']) fields['title'] = String(row['title']);
		const filename = String(row['filename_download'] ?? row['filename_disk'] ?? row['id']);
		const type = String(row['type'] ?? 'application/octet-stream');
		const boundary = newBoundary();
		await this.client.send({
			method: replace ? 'PATCH' : 'POST',
			path: replace ? `/files/${row['id']}` : '/files',
			params: { fields: 'id' },
			headers: { 'Content-Type': multipartContentType(boundary) },
			// Replacing the bytes again leaves what replacing them once does; a create whose answer was
			// lost is read back by id (Directus stores the row once the bytes are stored).
			lostAnswer: replace ? 'repeat' : { recover: () => this.isStored(row) },
			// A fresh stream from the source storage for every attempt.
			body: () =>
				multipartStream(boundary, fields, {
					filename,
					type,
					open: async () => (await this.assets.getAsset(String(row['id']))).stream as Readable,
				}),
		});
	}
}

/** Clocks of source and destination are compared with this much slack (the Date header has whole seconds). */
const CLOCK_SLACK_MS = 1_000;

/**
 * Whether the destination's copy of a file holds the source's bytes, without downloading either: the
 * same size, and the destination's copy written after the source's last change. Over REST the
 * destination cannot give a checksum of its bytes, and equal sizes alone miss changed bytes of equal
 * length; but Directus stamps `modified_on` whenever a file's bytes are replaced, so a destination copy
 * stamped after the source's `modified_on` (on the destination's clock: `clockOffsetMs`, measured from
 * its Date header) was uploaded from the current bytes. A metadata-only change on the source re-sends
 * the bytes once (slower, never wrong); no offset or no stamp re-sends too.
 */
export function holdsSameBytes(source: Row, destination: Row | undefined, clockOffsetMs: number | undefined): boolean {
	if (!destination || String(destination['filesize']) !== String(source['filesize'])) return false;
	if (clockOffsetMs === undefined) return false;
	const changedOnSource = Date.parse(String(source['modified_on'] ?? ''));
	const writtenOnDestination = Date.parse(String(destination['modified_on'] ?? ''));
	if (Number.isNaN(changedOnSource) || Number.isNaN(writtenOnDestination)) return false;
	return writtenOnDestination >= changedOnSource + clockOffsetMs + CLOCK_SLACK_MS;
}

/** Folders ordered so that every parent comes before its children. */
export function parentsFirst(folders: Row[]): Row[] {
	const byId = new Map(folders.map((folder) => [String(folder['id']), folder]));
	const ordered: Row[] = [];
	const placed = new Set<string>();
	const place = (folder: Row, trail: Set<string>) => {
		const id = String(folder['id']);
		if (placed.has(id) || trail.has(id)) return;
		trail.add(id);
		const parent = folder['parent'] ? byId.get(String(folder['parent'])) : undefined;
		if (parent) place(parent, trail);
		placed.add(id);
		ordered.push(folder);
	};
	for (const folder of folders) place(folder, new Set());
	return ordered;
}
