import { MIGRATIONS_FOLDER } from '../runs/library.js';
import { Readable } from 'node:stream';
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
import { sleep } from '../destination/retry.js';
import { MigrationError, toMigrationError } from '../errors.js';
import { byteStream, multipartContentType, multipartStream, newBoundary, prefixedStream } from './multipart.js';
import { createHash } from 'node:crypto';
import { valuesEqual } from '../compare/normalize.js';
import type { WritePath } from '../write/write-path.js';
import {
	FILE_METADATA_BYTES_HEADER,
	MAX_CHECKSUM_FILES,
	MAX_RECEIVER_ROWS,
	RECEIVER_FILE_MEDIA_TYPE,
	RECEIVER_ID,
	RECEIVER_MEDIA_TYPE,
	type FileBatchEntry,
	type FileBatchMetadata,
	type FileChecksums,
	type FileReceipt,
	type FileUploadMetadata,
} from '../receiver/protocol.js';
import { planUploadBatches } from './upload-batches.js';
import { DEFAULT_PATCH_BYTES, readResumableSupport, uploadResumable, usesResumableUpload, type ResumableSupport } from './resumable.js';

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
	/** Files sent through the destination's resumable uploads (TUS), and how many of them resumed after a lost connection. */
	resumable: { sent: number; resumed: number };
	/**
	 * Which way the bytes of each transferred file went: through the destination's receiver, or its REST
	 * API (every file on a destination without the receiver; through the receiver, the files sent by TUS).
	 */
	paths: { receiver: number; rest: number };
	/** Of the files sent through the receiver, those sent several to a request and a commit (small new files). */
	batched: number;
	/** Files of equal size and another modified_on whose bytes were compared by sha256 (through the receiver only). */
	checksummed: number;
	folders: { created: number; updated: number; unchanged: number };
}

/** A source file's bytes: what opens them, or why the source cannot read them. */
type SourceBytes = { open: () => Promise<Readable> } | { unreadable: string };

/**
 * Why one file failed (the run goes on with the others and rejects FILES_FAILED at the end):
 * - `FILE_TOO_LARGE`: above the destination's FILES_MAX_UPLOAD_SIZE (413);
 * - `SOURCE_FILE_UNREADABLE`: the source's storage has no readable bytes for it;
 * - `DESTINATION_STORAGE_ERROR`: the destination could not store the bytes (its storage failed, a 5xx);
 * - `FILE_REFUSED`: the destination refused the upload otherwise (a type not allowed, a validation);
 * - `METADATA_REFUSED`, `FOLDER_REFUSED`: the bytes are there; a metadata or folder write was refused.
 */
export type FileFailureCode =
	| 'FILE_TOO_LARGE'
	| 'SOURCE_FILE_UNREADABLE'
	| 'DESTINATION_STORAGE_ERROR'
	| 'FILE_REFUSED'
	| 'METADATA_REFUSED'
	| 'FOLDER_REFUSED';

const FILE_FAILURE_CODES: readonly unknown[] = [
	'FILE_TOO_LARGE',
	'SOURCE_FILE_UNREADABLE',
	'DESTINATION_STORAGE_ERROR',
	'FILE_REFUSED',
	'METADATA_REFUSED',
	'FOLDER_REFUSED',
] satisfies FileFailureCode[];

export interface FileFailure {
	id: string;
	code: FileFailureCode;
	reason: string;
}

/**
 * Whether a failed upload is this file's alone: the destination refused it (see isRowRefusal), or
 * its storage could not save it (a 503 of Directus's `files` service, still failing after the
 * retries). Anything else (the destination gone, the token refused) ends the run.
 */
export function isFileRefusal(error: unknown): boolean {
	if (isRowRefusal(error)) return true;
	const services = (error as MigrationError | undefined)?.details?.['directusServices'];
	return error instanceof MigrationError && error.code === 'DESTINATION_UNAVAILABLE' && Array.isArray(services) && services.includes('files');
}

/** The code of a file the destination refused (see FileFailureCode). */
export function fileFailureCode(error: MigrationError): FileFailureCode {
	// The receiver answers with the per-file code itself.
	const codes = error.details?.['directusCodes'];
	const named = Array.isArray(codes) ? codes.find((code): code is FileFailureCode => FILE_FAILURE_CODES.includes(code)) : undefined;
	if (named) return named;
	if (error.code === 'PAYLOAD_TOO_LARGE') return 'FILE_TOO_LARGE';
	const services = error.details?.['directusServices'];
	if ((Array.isArray(services) && services.includes('files')) || (error.status !== undefined && error.status >= 500)) return 'DESTINATION_STORAGE_ERROR';
	return 'FILE_REFUSED';
}

/** A write that was sent and whose answer was lost: it may or may not have been applied. */
function isLostAnswer(error: unknown): boolean {
	return error instanceof MigrationError && error.details?.['delivery'] === 'maybe-applied';
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
		resumable: { sent: 0, resumed: 0 },
		paths: { receiver: 0, rest: 0 },
		batched: 0,
		checksummed: 0,
		folders: { created: 0, updated: 0, unchanged: 0 },
	};
	readonly failures: FileFailure[] = [];
	/** Files whose replaced bytes were kept and journaled (their metadata is journaled with them); one batch at a time. */
	private readonly replaced = new Set<string>();
	private readonly filesModel: CollectionModel;
	private readonly folderModel: CollectionModel;
	/** Links of the files (uploaded_by…) to rows the destination lacks are set to null: the report warns of each. */
	readonly guard: LinkGuard;
	private readonly files: DestinationItems;
	private readonly assets: InstanceType<MigrationContext['services']['AssetsService']>;

	private readonly context: MigrationContext;
	private readonly schema: SchemaOverview;
	private readonly source: SourceItems;
	private readonly client: DestinationClient;
	private readonly write: boolean;
	private readonly concurrency: number;
	private readonly resumableAboveBytes: number;
	private readonly beforeWrite: () => Promise<void>;
	/** Read once, when the first file above the threshold is sent. */
	private resumableSupport: Promise<ResumableSupport> | undefined;

	constructor(args: {
		context: MigrationContext;
		schema: SchemaOverview;
		source: SourceItems;
		client: DestinationClient;
		write: boolean;
		concurrency: number;
		/** Files larger than this go through the destination's resumable uploads, when it has them. */
		resumableAboveBytes: number;
		/** Called before the first write (the run's lease: see DestinationLease.ensure); outside any per-file failure. */
		beforeWrite?: () => Promise<void>;
	}) {
		this.beforeWrite = args.beforeWrite ?? (async () => {});
		this.context = args.context;
		this.schema = args.schema;
		this.source = args.source;
		this.client = args.client;
		this.write = args.write;
		this.concurrency = args.concurrency;
		this.resumableAboveBytes = args.resumableAboveBytes;
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
		const all = await readFoldersToSync(this.source, this.folderModel, fields);
		const existing = await folders.readByKeys(all.map((row) => row['id']), fields);
		const ordered = parentsFirst(all);
		const diff = diffRows(ordered, existing, 'id', fields);
		this.tally.folders.unchanged = diff.unchanged;
		if (!this.write) {
			this.tally.folders.created = diff.toCreate.length;
			this.tally.folders.updated = diff.toUpdate.length;
			return;
		}
		if (diff.toCreate.length + diff.toUpdate.length > 0) await this.beforeWrite();
		// One by one in order: a folder's parent must exist before it.
		for (const row of diff.toCreate) this.recordFolder(await folders.create([row]), 'created');
		this.recordFolder(await folders.update(diff.toUpdate), 'updated', diff.toUpdate.length);
	}

	private recordFolder(failures: RowFailure[], kind: 'created' | 'updated', attempted = 1) {
		this.tally.folders[kind] += attempted - failures.length;
		this.tally.failed += failures.length;
		for (const failure of failures) boundedPush(this.failures, { id: String(failure.key), code: 'FOLDER_REFUSED', reason: `folder: ${failure.reason}` });
	}

	/** Whether this run's files go through the destination's receiver (bytes and exact metadata in one request). */
	private get viaReceiver(): boolean {
		return this.client.writePath.kind === 'receiver';
	}

	/** Transfers one batch of file ids. */
	async transferBatch(ids: string[]): Promise<void> {
		this.replaced.clear();
		const metadata = FILE_METADATA_FIELDS.filter((field) => this.filesModel.fields.includes(field));
		// Through the receiver modified_on is kept exactly as well (over REST Directus stamps it).
		const kept = this.viaReceiver && this.filesModel.fields.includes('modified_on') ? [...metadata, 'modified_on'] : metadata;
		const sourceRows = await this.readSourceFiles(ids, [...new Set(['id', 'filesize', 'filename_disk', 'storage', 'modified_on', ...metadata])]);
		await this.guard.apply(this.filesModel, sourceRows);
		const compared = ['id', ...kept];
		const existing = await this.files.readByKeys(ids, ['filesize', 'modified_on', ...compared]);

		const toSend = this.viaReceiver
			? await this.changedBytes(sourceRows, existing)
			: sourceRows.filter((row) => !holdsSameBytes(row, existing.get(String(row['id'])), this.client.clockOffsetMs));
		this.tally.skipped += sourceRows.length - toSend.length;
		if (!this.write) {
			this.tally.transferred += toSend.length;
			this.tally.bytes += toSend.reduce((sum, row) => sum + Number(row['filesize'] ?? 0), 0);
			return;
		}
		if (toSend.length > 0) await this.beforeWrite();
		// Journaled ahead of the uploads (migration-rollback), the batch's new files in one entry list: a
		// file the run dies sending is still known (one that then fails is harmless to undo: it is not there).
		const created = toSend.filter((row) => !existing.has(String(row['id'])));
		if (created.length > 0) await this.client.journal?.created('directus_files', 'id', created.map((row) => ({ id: row['id'], filesize: row['filesize'] })));
		// Small new files go through the receiver in batches (one request and one commit for many); the
		// others one by one, each one's source bytes looked up (its row, its storage) ahead of its upload,
		// while earlier uploads keep the destination busy: the lookups leave the uploads' path.
		const { batches, alone } = this.uploadBatches(toSend, existing);
		const lookup = pLimit(this.concurrency);
		const opened = new Map(alone.map((row) => [String(row['id']), lookup(() => this.sourceBytes(String(row['id'])))]));
		const limit = pLimit(this.concurrency);
		const pathOf = new Map<string, 'receiver' | 'rest' | null>();
		await Promise.all([
			...batches.map((batch) => limit(() => this.sendBatch(batch, kept, pathOf))),
			...alone.map((row) => limit(async () => pathOf.set(String(row['id']), await this.transferOne(row, existing.get(String(row['id'])), kept, opened.get(String(row['id']))!)))),
		]);

		// A file sent through the receiver arrived with its metadata exactly. Over REST Directus recomputes
		// some metadata on upload (uploaded_on, image metadata): bring it in line.
		const exact = new Set([...pathOf].filter(([, path]) => path === 'receiver').map(([id]) => id));
		const after = [...pathOf.values()].includes('rest') ? await this.files.readByKeys(ids, compared) : existing;
		const wanted = sourceRows.filter((row) => !exact.has(String(row['id']))).map((row) => Object.fromEntries(compared.map((field) => [field, row[field]])));
		const diff = diffRows(wanted, after, 'id', compared, this.filesModel.types);
		if (diff.toUpdate.length > 0) await this.beforeWrite();
		const failures = await this.updateMetadata(diff.toUpdate, after);
		// `updated` counts files whose metadata alone changed: the completion of a file sent just now is part of its transfer.
		const sent = new Set(toSend.map((row) => String(row['id'])));
		const refused = new Set(failures.map((failure) => String(failure.key)));
		this.tally.updated += diff.toUpdate.filter((row) => !sent.has(String(row['id'])) && !refused.has(String(row['id']))).length;
		this.tally.failed += failures.length;
		for (const failure of failures) boundedPush(this.failures, { id: String(failure.key), code: 'METADATA_REFUSED', reason: `metadata: ${failure.reason}` });
	}

	/**
	 * The files whose bytes the destination lacks, through the receiver, where modified_on is copied
	 * exactly: a file it lacks or holds with another size is sent; one of the same size and the same
	 * modified_on is the copy of the source's current bytes (Directus stamps modified_on whenever a file's
	 * bytes are replaced) and is skipped without reading a byte; only a file of the same size whose
	 * modified_on differs (its metadata or its bytes changed, or it was copied over REST) has its bytes
	 * compared, by a sha256 the destination computes from its storage and one computed here.
	 */
	private async changedBytes(sourceRows: Row[], existing: Map<string, Row>): Promise<Row[]> {
		const toSend: Row[] = [];
		const undecided: Row[] = [];
		for (const row of sourceRows) {
			const there = existing.get(String(row['id']));
			if (!there || String(there['filesize']) !== String(row['filesize'])) toSend.push(row);
			else if (!valuesEqual(row['modified_on'], there['modified_on'], 'timestamp')) undecided.push(row);
		}
		if (undecided.length === 0) return toSend;
		this.tally.checksummed += undecided.length;
		const theirs = await this.destinationChecksums(undecided.map((row) => String(row['id'])));
		const limit = pLimit(this.concurrency);
		const ours = await Promise.all(undecided.map((row) => limit(() => this.sourceChecksum(String(row['id'])))));
		undecided.forEach((row, index) => {
			// An unreadable source file is sent: its transfer fails it with SOURCE_FILE_UNREADABLE.
			if (ours[index] === null || theirs[String(row['id'])] !== ours[index]) toSend.push(row);
		});
		return toSend;
	}

	private async destinationChecksums(ids: string[]): Promise<FileChecksums> {
		const result: FileChecksums = {};
		for (let start = 0; start < ids.length; start += MAX_CHECKSUM_FILES) {
			const part = ids.slice(start, start + MAX_CHECKSUM_FILES);
			Object.assign(
				result,
				await this.client.send<FileChecksums>({
					method: 'POST',
					path: `/${RECEIVER_ID}/files-checksums`,
					headers: { 'Content-Type': RECEIVER_MEDIA_TYPE },
					body: () => JSON.stringify({ ids: part }),
					lostAnswer: 'repeat',
					needsLease: false,
				}),
			);
		}
		return result;
	}

	/** The sha256 of the source's stored bytes, streamed; null when the source cannot read them. */
	private async sourceChecksum(id: string): Promise<string | null> {
		try {
			const hash = createHash('sha256');
			for await (const chunk of await this.openSource(id)) hash.update(chunk as Buffer);
			return hash.digest('hex');
		} catch {
			return null;
		}
	}

	/** Metadata updates: through the receiver exactly as on the source (no stamp, no activity), else over REST. */
	private async updateMetadata(rows: Row[], before: Map<string, Row>): Promise<RowFailure[]> {
		if (rows.length === 0) return [];
		if (!this.viaReceiver) {
			// A file whose bytes were replaced has its metadata in its `bytes` entry of the journal already.
			const ofReplaced = rows.filter((row) => this.replaced.has(String(row['id'])));
			const others = rows.filter((row) => !this.replaced.has(String(row['id'])));
			return [...(await this.files.update(others)), ...(await this.files.update(ofReplaced, { journal: false }))];
		}
		const path = this.client.writePath as Extract<WritePath, { kind: 'receiver' }>;
		const failures: RowFailure[] = [];
		for (let start = 0; start < rows.length; start += MAX_RECEIVER_ROWS) {
			const part = rows.slice(start, start + MAX_RECEIVER_ROWS);
			// Journaled ahead (migration-rollback); a file the destination refuses keeps what it held: nothing to undo.
			await this.client.journal?.updated('directus_files', 'id', before, part.filter((row) => !this.replaced.has(String(row['id']))));
			const result = await this.client.send<{ written: number; refused: { key: string; reason: string }[] }>({
				method: 'POST',
				path: `/${RECEIVER_ID}/files-metadata`,
				headers: { 'Content-Type': RECEIVER_MEDIA_TYPE },
				body: () => JSON.stringify({ files: part, trackActivity: path.trackActivity, emitEvents: path.emitEvents }),
				// The same values on the same ids: writing them twice leaves what writing them once does.
				lostAnswer: 'repeat',
			});
			failures.push(...result.refused);
		}
		return failures;
	}

	/**
	 * One file's bytes; a refusal is recorded with its code and the other files go on, a failure of
	 * the destination itself (gone, the token refused) ends the run. Returns the path the bytes took
	 * (null: the file failed).
	 */
	private async transferOne(row: Row, there: Row | undefined, kept: string[], bytes: Promise<SourceBytes>): Promise<'receiver' | 'rest' | null> {
		const id = String(row['id']);
		const replace = there !== undefined;
		const source = await bytes;
		if ('unreadable' in source) {
			this.fail(id, 'SOURCE_FILE_UNREADABLE', `the source cannot read the file: ${source.unreadable}`);
			return null;
		}
		const { open } = source;
		const size = Number(row['filesize'] ?? 0);
		let path: 'receiver' | 'rest' = 'rest';
		// The destination's bytes of a file replaced are kept first (migration-rollback); its new files were journaled with the batch.
		if (replace && !(await this.keepReplacedBytes(row, there, kept))) return null;
		try {
			if (usesResumableUpload(size, this.resumableAboveBytes, await this.readResumableSupport())) await this.uploadResumable(row, replace);
			else if (this.viaReceiver) {
				path = 'receiver';
				await this.sendToReceiver(row, kept, open);
			} else await this.upload(row, replace, undefined, open);
			this.sent(path, size);
			return path;
		} catch (error) {
			if (!isFileRefusal(error)) throw error;
			// A create whose answer was lost may have stored it already (a replacement's old bytes may
			// have the same size: they say nothing).
			if (path === 'rest' && !replace && (await this.storedSize(row)) === String(row['filesize'])) {
				this.sent(path, size);
				return path;
			}
			const failure = toMigrationError(error);
			this.fail(id, fileFailureCode(failure), failure.message);
			// Its bytes stayed: metadata written to it now is journaled on its own.
			this.replaced.delete(id);
			return null;
		}
	}

	/**
	 * Whether the source's storage holds a file's bytes, checked without opening them (a missing file
	 * fails this file, not the run), and what opens them, afresh for every attempt.
	 */
	private async sourceBytes(id: string): Promise<SourceBytes> {
		try {
			const asset = await this.assets.getAsset(id, undefined, undefined, true);
			const stream = asset.stream as unknown as () => Promise<Readable>;
			return { open: () => stream() };
		} catch (error) {
			return { unreadable: (error as Error).message };
		}
	}

	/**
	 * Before a destination file's bytes are replaced (migration-rollback): its current bytes are streamed
	 * into the source's library and the replacement journaled, with the file's metadata before and after
	 * (its whole undo: the metadata written with or after the bytes is not journaled again) and the size
	 * and sha256 of the bytes written (read from the source's storage). Nothing without a journal.
	 * Returns false when the destination cannot serve its bytes: the file fails, left as it is.
	 */
	private async keepReplacedBytes(row: Row, there: Row, kept: string[]): Promise<boolean> {
		const journal = this.client.journal;
		if (!journal) return true;
		const id = String(row['id']);
		const sha256 = await this.sourceChecksum(id);
		if (sha256 === null) {
			this.fail(id, 'SOURCE_FILE_UNREADABLE', 'the source cannot read the file');
			return false;
		}
		const fields = ['id', ...kept];
		try {
			await journal.replacingBytes(
				{ key: id, before: pick(there, fields), after: pick(row, fields), written: { size: Number(row['filesize'] ?? 0), sha256 } },
				(consume) => this.client.download(`/assets/${encodeURIComponent(id)}`, consume),
			);
			this.replaced.add(id);
			return true;
		} catch (error) {
			// The destination answered, but not with the file's bytes (its storage lost them): not replaced.
			if (!(error instanceof MigrationError) || error.status === undefined) throw error;
			this.fail(id, 'DESTINATION_STORAGE_ERROR', `the destination's bytes of the file could not be kept for migration-rollback before replacing them: ${error.message}`);
			return false;
		}
	}

	private sent(path: 'receiver' | 'rest', size: number): void {
		this.tally.transferred++;
		this.tally.bytes += size;
		this.tally.paths[path]++;
	}

	/** The files to send in batches through the receiver, and those sent alone (see planUploadBatches). */
	private uploadBatches(toSend: Row[], existing: Map<string, Row>): { batches: Row[][]; alone: Row[] } {
		const path = this.client.writePath;
		// Batches are quiet: a run that asks for activity or events sends its files one by one.
		const bounds = path.kind === 'receiver' && !path.trackActivity && !path.emitEvents ? path.fileBatches : null;
		return planUploadBatches(toSend, existing, bounds, { concurrency: this.concurrency, aloneAboveBytes: this.resumableAboveBytes });
	}

	/**
	 * A batch of small new files through the receiver, in one request: their metadata, then their bytes,
	 * read whole from the source's storage. Each file is answered alone: a refused one fails with its code,
	 * one whose destination storage failed is sent again alone (with its retries), and a batch refused as a
	 * whole is sent file by file. The same batch sent again replaces what it wrote: a lost answer repeats it.
	 */
	private async sendBatch(batch: Row[], kept: string[], pathOf: Map<string, 'receiver' | 'rest' | null>): Promise<void> {
		const path = this.client.writePath as Extract<WritePath, { kind: 'receiver' }>;
		const fileBytes = path.fileBatches!.fileBytes;
		const alone: Row[] = [];
		const read = await Promise.all(batch.map(async (row) => ({ row, bytes: await this.readSmallFile(String(row['id']), fileBytes) })));
		const contents: { row: Row; bytes: Buffer }[] = [];
		for (const { row, bytes } of read) {
			if (bytes === 'unreadable') pathOf.set(String(row['id']), null);
			// Larger than its row says (its bytes changed since): sent alone, streamed.
			else if (bytes === 'too large') alone.push(row);
			else contents.push({ row, bytes });
		}
		const sendAlone = async (rows: Row[]) => {
			for (const row of rows) pathOf.set(String(row['id']), await this.transferOne(row, undefined, kept, this.sourceBytes(String(row['id']))));
		};
		if (contents.length > 0) {
			const head = Buffer.from(
				JSON.stringify({ files: contents.map(({ row, bytes }) => ({ file: this.receiverFileRow(row, kept), filesize: bytes.length })) } satisfies FileBatchMetadata),
				'utf8',
			);
			let entries: FileBatchEntry[];
			try {
				({ files: entries } = await this.client.send<{ files: FileBatchEntry[] }>({
					method: 'POST',
					path: `/${RECEIVER_ID}/files-batch`,
					headers: { 'Content-Type': RECEIVER_FILE_MEDIA_TYPE, [FILE_METADATA_BYTES_HEADER]: String(head.length) },
					body: () => Buffer.concat([head, ...contents.map(({ bytes }) => bytes)]) as unknown as string,
					lostAnswer: 'repeat',
				}));
			} catch (error) {
				if (!isFileRefusal(error)) throw error;
				entries = [];
				alone.push(...contents.map(({ row }) => row));
			}
			const rows = new Map(contents.map(({ row }) => [String(row['id']), row]));
			for (const entry of entries) {
				const row = rows.get(entry.id);
				if (!row) continue;
				if (!('refused' in entry)) {
					this.sent('receiver', Number(row['filesize'] ?? 0));
					this.tally.batched++;
					pathOf.set(entry.id, 'receiver');
				} else if (entry.refused.code === 'DESTINATION_STORAGE_ERROR') alone.push(row);
				else {
					const code = FILE_FAILURE_CODES.includes(entry.refused.code) ? (entry.refused.code as FileFailureCode) : 'FILE_REFUSED';
					this.fail(entry.id, code, entry.refused.message);
					pathOf.set(entry.id, null);
				}
			}
			// A file the answer does not name is sent alone (sending it again replaces whatever the batch wrote of it).
			for (const [id, row] of rows) if (!pathOf.has(id) && !alone.includes(row)) alone.push(row);
		}
		await sendAlone(alone);
	}

	/** A small file's bytes, whole, from the source's storage; 'too large' past `maxBytes`; 'unreadable' (the file failed). */
	private async readSmallFile(id: string, maxBytes: number): Promise<Buffer | 'too large' | 'unreadable'> {
		const source = await this.sourceBytes(id);
		try {
			if ('unreadable' in source) throw new Error(source.unreadable);
			const chunks: Buffer[] = [];
			let size = 0;
			for await (const chunk of await source.open()) {
				chunks.push(chunk as Buffer);
				size += (chunk as Buffer).length;
				if (size > maxBytes) return 'too large';
			}
			return Buffer.concat(chunks);
		} catch (error) {
			this.fail(id, 'SOURCE_FILE_UNREADABLE', `the source cannot read the file: ${(error as Error).message ?? String(error)}`);
			return 'unreadable';
		}
	}

	/** A file's row as the receiver takes it: its id, its download name, the fields kept exactly, its storage. */
	private receiverFileRow(row: Row, kept: string[]): FileUploadMetadata['file'] {
		const id = String(row['id']);
		const file: Row = { id, filename_download: String(row['filename_download'] ?? row['filename_disk'] ?? id) };
		for (const field of [...kept, 'storage']) if (row[field] !== undefined && field !== 'filename_download') file[field] = row[field];
		return file as FileUploadMetadata['file'];
	}

	/**
	 * One file through the receiver: its metadata (the fields kept exactly) then its bytes, streamed
	 * from the source storage in one request. The same id sent again replaces the file, so a lost
	 * answer or a 503 is simply sent again (a fresh stream of the bytes every attempt).
	 */
	private async sendToReceiver(row: Row, kept: string[], open: () => Promise<Readable>): Promise<void> {
		const id = String(row['id']);
		const path = this.client.writePath as Extract<WritePath, { kind: 'receiver' }>;
		const metadata = Buffer.from(
			JSON.stringify({ file: this.receiverFileRow(row, kept), filesize: Number(row['filesize'] ?? 0), trackActivity: path.trackActivity, emitEvents: path.emitEvents } satisfies FileUploadMetadata),
			'utf8',
		);
		await this.client.send<FileReceipt>({
			method: 'POST',
			path: `/${RECEIVER_ID}/files/${encodeURIComponent(id)}`,
			headers: { 'Content-Type': RECEIVER_FILE_MEDIA_TYPE, [FILE_METADATA_BYTES_HEADER]: String(metadata.length) },
			body: () => prefixedStream(metadata, open),
			lostAnswer: 'repeat',
		});
	}

	private fail(id: string, code: FileFailureCode, reason: string): void {
		this.tally.failed++;
		boundedPush(this.failures, { id, code, reason });
	}

	private readResumableSupport(): Promise<ResumableSupport> {
		this.resumableSupport ??= readResumableSupport(this.client);
		return this.resumableSupport;
	}

	/** The destination's size of the file, or undefined when it has no row for it. */
	private async storedSize(row: Row): Promise<string | undefined> {
		const stored = (await this.files.readByKeys([row['id']], ['filesize'])).get(String(row['id']));
		return stored ? String(stored['filesize']) : undefined;
	}

	private async readSourceFiles(ids: string[], fields: string[]): Promise<Row[]> {
		const rows: Row[] = [];
		for await (const batch of this.source.batches(this.filesModel, { id: { _in: ids } } as Filter, fields, ids.length, ids.length)) rows.push(...batch);
		return rows;
	}

	/** A fresh stream of the source's bytes, from `start` to `end` (exclusive) when given. */
	private async openSource(id: string, range?: { start: number; end: number }): Promise<Readable> {
		const asset = await this.assets.getAsset(id, undefined, range ? { start: range.start, end: range.end - 1 } : undefined);
		return asset.stream as Readable;
	}

	/**
	 * The bytes as one multipart request, streamed from the source storage (a fresh stream for every
	 * attempt; nothing of the file is kept between attempts). When the connection of a create is lost
	 * mid-file the destination is asked what it holds: a row of the same size (Directus sets the size
	 * once the bytes are stored: it was created), a row left by the broken upload (its bytes are
	 * replaced), or nothing (created again). A replacement is simply sent again.
	 */
	private async upload(row: Row, replace: boolean, source?: { size: number; open: () => Promise<Readable>; type: string }, opener?: () => Promise<Readable>): Promise<void> {
		const size = String(source?.size ?? row['filesize']);
		const open = source?.open ?? opener ?? (() => this.openSource(String(row['id'])));
		for (let attempt = 0; ; attempt++) {
			try {
				await this.sendMultipart(row, replace, open, source?.type);
				return;
			} catch (error) {
				if (!isLostAnswer(error) || attempt >= this.client.retries) throw error;
				this.client.stats.retries++;
				await sleep(Math.min(250 * 2 ** attempt, 5_000));
				if (replace) continue;
				const stored = await this.storedSize(row);
				if (stored === size) return;
				replace = stored !== undefined;
			}
		}
	}

	private async sendMultipart(row: Row, replace: boolean, open: () => Promise<Readable>, type?: string): Promise<void> {
		const fields: Record<string, string> = { filename_download: String(row['filename_download'] ?? row['id']) };
		if (!replace) fields['id'] = String(row['id']);
		if (row['folder']) fields['folder'] = String(row['folder']);
		if (row['title']) fields['title'] = String(row['title']);
		const filename = String(row['filename_download'] ?? row['filename_disk'] ?? row['id']);
		const boundary = newBoundary();
		await this.client.send({
			method: replace ? 'PATCH' : 'POST',
			path: replace ? `/files/${row['id']}` : '/files',
			params: { fields: 'id' },
			headers: { 'Content-Type': multipartContentType(boundary) },
			// A lost answer is looked into by the caller (upload): never repeated blindly.
			lostAnswer: 'fail',
			body: () => multipartStream(boundary, fields, { filename, type: type ?? String(row['type'] ?? 'application/octet-stream'), open }),
		});
	}

	/**
	 * The bytes through the destination's TUS endpoint. Directus's TUS gives a new file its own id, but
	 * replaces the bytes of an existing row when the upload names it: a file the destination lacks is
	 * first created empty with its id (a zero-byte upload), and removed again if its bytes fail.
	 */
	private async uploadResumable(row: Row, replace: boolean): Promise<void> {
		const id = String(row['id']);
		const placeholder = !replace;
		if (placeholder) await this.upload(row, false, { size: 0, open: async () => Readable.from([]), type: 'application/octet-stream' });
		try {
			const { resumed } = await uploadResumable(
				this.client,
				{
					id,
					size: Number(row['filesize']),
					metadata: {
						filename_download: String(row['filename_download'] ?? row['filename_disk'] ?? id),
						type: String(row['type'] ?? 'application/octet-stream'),
					},
					body: (start, end) => byteStream(() => this.openSource(id, { start, end })),
				},
				{ patchBytes: (await this.readResumableSupport()).chunkBytes ?? DEFAULT_PATCH_BYTES, retries: this.client.retries },
			);
			this.tally.resumable.sent++;
			if (resumed) this.tally.resumable.resumed++;
		} catch (error) {
			if (placeholder) await this.client.send({ method: 'DELETE', path: `/files/${id}`, lostAnswer: 'repeat' }).catch(() => {});
			throw error;
		}
	}
}

function pick(row: Row, fields: string[]): Row {
	return Object.fromEntries(fields.map((field) => [field, row[field] ?? null]));
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

/**
 * The folders a migration copies: all but the source's own "Migrations" folder (a root folder), where
 * this bundle keeps run journals and artifacts, and the folders inside it. They belong to the source.
 */
export function foldersToSync(folders: Row[]): Row[] {
	const byId = new Map(folders.map((folder) => [String(folder['id']), folder]));
	const ours = (folder: Row, seen = new Set<string>()): boolean => {
		if (folder['parent'] === null || folder['parent'] === undefined) return folder['name'] === MIGRATIONS_FOLDER;
		const parent = byId.get(String(folder['parent']));
		if (!parent || seen.has(String(folder['id']))) return false;
		seen.add(String(folder['id']));
		return ours(parent, seen);
	};
	return folders.filter((folder) => !ours(folder));
}

/** The source's folders a migration copies (see foldersToSync). Folder trees are small: read whole. */
export async function readFoldersToSync(source: SourceItems, folderModel: CollectionModel, fields: string[] = ['id', 'name', 'parent']): Promise<Row[]> {
	const all: Row[] = [];
	for await (const rows of source.batches(folderModel, null, [...new Set([...fields, 'id', 'name', 'parent'])], 1000)) all.push(...rows);
	return foldersToSync(all);
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
