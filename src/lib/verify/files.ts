import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Filter, SchemaOverview } from '@directus/types';
import { canonicalText, type Canonical } from '../compare/normalize.js';
import type { DestinationClient } from '../destination/client.js';
import { FILE_METADATA_FIELDS } from '../files/transfer.js';
import { DestinationItems } from '../items/destination-items.js';
import type { Row } from '../items/diff-rows.js';
import type { SourceItems } from '../items/source-reader.js';
import type { MigrationContext } from '../operation.js';
import { modelCollection, type CollectionModel } from '../plan/collection-model.js';
import { boundedPush, MAX_LISTED } from '../report.js';
import { differingFields } from './chunk.js';
import { emptyFileReport, type FileVerifyReport } from './report.js';

/** Set by the destination on upload, not carried: not compared. */
const STAMPED_ON_UPLOAD = new Set(['uploaded_on', 'uploaded_by', 'created_on']);
/** Files already compared in this run; bounded, so a file referenced again later is at worst compared twice. */
const REMEMBERED_FILES = 10_000;
/** Answers the client returns decoded rather than as a stream (see @directus/sdk extractData). */
const DECODED_TYPES = /^(application\/json|application\/health\+json|text\/html|text\/plain)/i;

/** The file ids the rows reference through their links to directus_files. */
export function referencedFiles(model: CollectionModel, rows: Row[], fields: readonly string[]): string[] {
	const links = model.links.filter((link) => link.related === 'directus_files' && fields.includes(link.field));
	const ids = new Set<string>();
	for (const row of rows) for (const link of links) if (typeof row[link.field] === 'string') ids.add(row[link.field] as string);
	return [...ids];
}

/**
 * Compares files on both sides: metadata, size, and the bytes by sha256 (the source's read in process
 * through the AssetsService, the destination's streamed from GET /assets/<id>); nothing is held whole.
 */
export class FileComparison {
	readonly report: FileVerifyReport = emptyFileReport();
	private readonly seen = new Set<string>();
	private readonly filesModel: CollectionModel;
	private readonly fields: string[];
	private readonly files: DestinationItems;
	private readonly assets: InstanceType<MigrationContext['services']['AssetsService']>;
	private readonly source: SourceItems;
	private readonly client: DestinationClient;

	constructor(args: { context: MigrationContext; schema: SchemaOverview; source: SourceItems; client: DestinationClient }) {
		this.source = args.source;
		this.client = args.client;
		this.filesModel = modelCollection(args.schema, 'directus_files');
		this.fields = ['filesize', ...FILE_METADATA_FIELDS.filter((field) => !STAMPED_ON_UPLOAD.has(field) && this.filesModel.fields.includes(field))];
		this.files = new DestinationItems(args.client, 'directus_files', 'id');
		this.assets = new args.context.services.AssetsService({ knex: args.context.database, schema: args.schema, accountability: null });
	}

	async compare(ids: string[]): Promise<void> {
		const fresh = ids.filter((id) => !this.seen.has(id));
		if (fresh.length === 0) return;
		for (const id of fresh) if (this.seen.size < REMEMBERED_FILES) this.seen.add(id);
		const sourceRows: Row[] = [];
		for await (const rows of this.source.batches(this.filesModel, { id: { _in: fresh } } as Filter, ['id', ...this.fields], fresh.length, fresh.length)) {
			sourceRows.push(...rows);
		}
		const existing = await this.files.readByKeys(fresh, this.fields);
		for (const row of sourceRows) {
			const id = String(row['id']);
			this.report.checked++;
			const current = existing.get(id);
			if (!current) {
				this.report.missing++;
				boundedPush(this.report.missingIds, id, MAX_LISTED);
				continue;
			}
			const fields = differingFields(row, current, this.fields, this.filesModel.types);
			if (!(await this.sameBytes(id, String(row['type'] ?? '')))) fields.push('bytes');
			if (fields.length > 0) {
				this.report.differing++;
				boundedPush(this.report.differingFiles, { id, fields }, MAX_LISTED);
			}
		}
	}

	private async sameBytes(id: string, type: string): Promise<boolean> {
		const decodedByClient = DECODED_TYPES.test(type);
		const { stream } = await this.assets.getAsset(id);
		const sourceHash = createHash('sha256');
		const sourceBytes: Buffer[] = [];
		for await (const chunk of stream as Readable) {
			const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
			sourceHash.update(buffer);
			// Kept only for the files the client hands back decoded (plain text, HTML, JSON).
			if (decodedByClient) {
				sourceBytes.push(buffer);
			}
		}
		const body = await this.client.send<unknown>({ method: 'GET', path: `/assets/${encodeURIComponent(id)}` });
		if (body instanceof Response) {
			const destinationHash = createHash('sha256');
			if (body.body) for await (const chunk of body.body as unknown as AsyncIterable<Uint8Array>) destinationHash.update(chunk);
			return destinationHash.digest('hex') === sourceHash.digest('hex');
		}
		// The client decodes text and JSON answers: compare the source's bytes decoded the same way.
		const sourceText = new TextDecoder().decode(Buffer.concat(sourceBytes));
		if (typeof body === 'string') return body === sourceText;
		try {
			return canonicalText(JSON.parse(sourceText) as Canonical) === canonicalText(body as Canonical);
		} catch {
			return false;
		}
	}
}
