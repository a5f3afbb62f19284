import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFlow } from '../harness/flows.ts';
import type { DirectusInstance } from '../harness/instance.ts';
import { servedSha256 } from '../harness/large-file.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { createCollection, integerKey, stringField } from '../harness/schema-fixtures.ts';
import { uploadFile, type UploadedFile } from '../harness/files.ts';
import { runSql } from '../harness/raw-sql.ts';

/**
 * Files through the receiver: each file's bytes and metadata in one streamed request, kept exactly
 * (id, folder, stamps, uploader); a re-run sends nothing; changed bytes of the same size are found by
 * a checksum the destination computes; a refused file fails alone. A destination without the bundle
 * takes files over REST, and the report says which way they went.
 */
const FIELDS = [
	'id',
	'folder',
	'storage',
	'filename_download',
	'title',
	'description',
	'tags',
	'metadata',
	'location',
	'focal_point_x',
	'focal_point_y',
	'type',
	'width',
	'height',
	'duration',
	'filesize',
	'uploaded_on',
	'uploaded_by',
	'created_on',
	'modified_on',
].join(',');
const FILE_MEDIA_TYPE = 'application/x-directus-migration-file';
const KB = 1024;

const run = (pair: Pair, type: string, options: Record<string, unknown> = {}) => withFlow(pair.source, [{ key: 'step', type, options }], (flow) => flow.trigger());
const transfer = (pair: Pair) => run(pair, 'migration-migrate-tables', { collections: ['posters'] });
const fileRows = (instance: DirectusInstance, ids: string[]) =>
	instance.api<Record<string, unknown>[]>('GET', `/files?limit=-1&sort=id&fields=${FIELDS}&filter[id][_in]=${ids.join(',')}`);
/** The source's rows as the destination should hold them: uploaded_by kept for a user it has (the author), else null (with a warning). */
async function expectedRows(pair: Pair, ids: string[], authorId: string) {
	return (await fileRows(pair.source, ids)).map((row) => ({ ...row, uploaded_by: row['uploaded_by'] === authorId ? authorId : null }));
}
const count = async (instance: DirectusInstance, path: string) => Number((await instance.api<{ count: number | string }[]>('GET', `${path}${path.includes('?') ? '&' : '?'}aggregate[count]=*`))[0]!.count);

/** Uploads bytes through Directus (as a user does); `replace` puts new bytes into an existing file. */

async function poster(pair: Pair, id: number, file: UploadedFile): Promise<void> {
	await pair.source.api('POST', '/items/posters', { id, name: `poster ${id}`, image: file.id });
}

async function createPosters(pair: Pair): Promise<void> {
	await createCollection(pair.source, 'posters', [integerKey, stringField('name')]);
	await pair.source.api('POST', '/fields/posters', { field: 'image', type: 'uuid', meta: { interface: 'file', special: ['file'] }, schema: {} });
	await pair.source.api('POST', '/relations', { collection: 'posters', field: 'image', related_collection: 'directus_files', schema: { on_delete: 'SET NULL' } });
	const schema = await run(pair, 'migration-schema-sync', { dryRun: false });
	expect(schema.resolved, JSON.stringify(schema.last).slice(0, 1500)).toBe(true);
}

/** One file's body for the receiver: metadata JSON then the bytes. */
function fileBody(metadata: unknown, bytes: Buffer): { body: Buffer; metadataBytes: number } {
	const head = Buffer.from(JSON.stringify(metadata), 'utf8');
	return { body: Buffer.concat([head, bytes]), metadataBytes: head.length };
}

async function sendFile(instance: DirectusInstance, id: string, metadata: unknown, bytes: Buffer, token: string | null = instance.token) {
	const { body, metadataBytes } = fileBody(metadata, bytes);
	const response = await fetch(`${instance.url}/migration-receiver/files/${id}`, {
		method: 'POST',
		headers: { 'Content-Type': FILE_MEDIA_TYPE, 'x-migration-metadata-bytes': String(metadataBytes), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
		body: new Uint8Array(body),
	});
	const json = (await response.json().catch(() => null)) as { errors?: { extensions?: { code?: string } }[] } | null;
	return { status: response.status, code: json?.errors?.[0]?.extensions?.code };
}

/** A batch of files for the receiver: its metadata JSON, then each file's bytes (`body` overrides them). */
async function sendBatch(instance: DirectusInstance, files: { id: string; bytes: Buffer }[], options: { token?: string | null; body?: Buffer; filesize?: (bytes: Buffer) => number } = {}) {
	const head = Buffer.from(
		JSON.stringify({
			files: files.map(({ id, bytes }) => ({ file: { id, filename_download: `${id}.bin`, type: 'application/octet-stream' }, filesize: options.filesize?.(bytes) ?? bytes.length })),
		}),
		'utf8',
	);
	const token = options.token === undefined ? instance.token : options.token;
	const response = await fetch(`${instance.url}/migration-receiver/files-batch`, {
		method: 'POST',
		headers: { 'Content-Type': FILE_MEDIA_TYPE, 'x-migration-metadata-bytes': String(head.length), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
		body: new Uint8Array(Buffer.concat([head, options.body ?? Buffer.concat(files.map(({ bytes }) => bytes))])),
	});
	const json = (await response.json().catch(() => null)) as { data?: { files: Record<string, unknown>[] }; errors?: { extensions?: { code?: string } }[] } | null;
	return { status: response.status, code: json?.errors?.[0]?.extensions?.code, files: json?.data?.files };
}

describe('files through the receiver', () => {
	let pair: Pair;
	let author: { id: string; token: string };
	let folder: string;
	let files: UploadedFile[];

	beforeAll(async () => {
		pair = await startPair({ destinationEnv: { FILES_MAX_UPLOAD_SIZE: '1MB' } });
		// The same user on both sides: their uploads keep uploaded_by.
		author = { id: randomUUID(), token: `author-${randomUUID()}` };
		for (const instance of [pair.source, pair.destination]) {
			const me = await instance.api<{ role: string }>('GET', '/users/me?fields=role');
			await instance.api('POST', '/users', { id: author.id, email: 'author@example.com', role: me.role, ...(instance === pair.source ? { token: author.token } : {}) });
		}
		await createPosters(pair);
		folder = (await pair.source.api<{ id: string }>('POST', '/folders', { name: 'Posters' })).id;
		files = [
			await uploadFile(pair.source, randomBytes(40 * KB), { title: 'first', folder }, { token: author.token }),
			await uploadFile(pair.source, randomBytes(60 * KB), { title: 'second' }),
			await uploadFile(pair.source, randomBytes(80 * KB), { title: 'third', folder }),
		];
		await pair.source.api('PATCH', `/files/${files[0]!.id}`, {
			description: 'A poster',
			tags: ['red', 'big'],
			location: 'Lisbon',
			focal_point_x: 12,
			focal_point_y: 34,
			metadata: { camera: { make: 'Test', iso: 100 } },
		});
		for (const [index, file] of files.entries()) await poster(pair, index + 1, file);
		// Stamps made "now" on the destination would differ from the source's by at least this.
		await new Promise((resolve) => setTimeout(resolve, 1_100));
	});
	afterAll(async () => {
		await pair?.stop();
	});

	it('a copy keeps every field of each file exactly (id, folder, stamps, uploader) and its bytes, with no activity row', async () => {
		const migrate = await transfer(pair);
		expect(migrate.resolved, JSON.stringify(migrate.last).slice(0, 2000)).toBe(true);
		expect(migrate.last.writePath).toBe('receiver');
		// Three new small files at concurrency 2: a batch of two in one request, the third alone.
		expect(migrate.last.files).toMatchObject({ transferred: 3, failed: 0, paths: { receiver: 3, rest: 0 }, batched: 2 });
		const ids = files.map((file) => file.id);
		const source = await fileRows(pair.source, ids);
		expect(source.find((row) => row['id'] === files[0]!.id)).toMatchObject({ folder, uploaded_by: author.id, tags: ['red', 'big'], focal_point_x: 12 });
		expect(await fileRows(pair.destination, ids)).toEqual(await expectedRows(pair, ids, author.id));
		expect(migrate.last.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'MISSING_LINK_TARGET' })]));
		for (const file of files) expect(await servedSha256(pair.destination, file.id)).toBe(file.sha256);
		expect(await count(pair.destination, '/activity?filter[collection][_eq]=directus_files')).toBe(0);
	});

	it('a re-run with nothing changed sends no byte and computes no checksum', async () => {
		const again = await transfer(pair);
		expect(again.resolved, JSON.stringify(again.last).slice(0, 2000)).toBe(true);
		expect(again.last.files).toMatchObject({ transferred: 0, skipped: 3, updated: 0, bytes: 0, checksummed: 0, paths: { receiver: 0, rest: 0 } });
	});

	it('bytes replaced on the source by others of the same size are sent again; a title changed alone sends no byte', async () => {
		const replaced = await uploadFile(pair.source, randomBytes(files[1]!.size), { title: 'second' }, { replace: files[1]!.id });
		await pair.source.api('PATCH', `/files/${files[2]!.id}`, { title: 'third, renamed' });
		const again = await transfer(pair);
		expect(again.resolved, JSON.stringify(again.last).slice(0, 2000)).toBe(true);
		expect(again.last.files).toMatchObject({ transferred: 1, updated: 1, skipped: 2, checksummed: 2, bytes: files[1]!.size, paths: { receiver: 1 } });
		expect(await servedSha256(pair.destination, files[1]!.id)).toBe(replaced.sha256);
		expect(await servedSha256(pair.destination, files[2]!.id)).toBe(files[2]!.sha256);
		const ids = files.map((file) => file.id);
		expect(await fileRows(pair.destination, ids)).toEqual(await expectedRows(pair, ids, author.id));

		const settled = await transfer(pair);
		expect(settled.last.files).toMatchObject({ transferred: 0, skipped: 3, checksummed: 0 });
	});

	it('with trackActivity a file sent through the receiver leaves its activity rows on the destination, as over REST', async () => {
		const tracked = await uploadFile(pair.source, randomBytes(20 * KB), { title: 'tracked' });
		await poster(pair, 20, tracked);
		const migrate = await run(pair, 'migration-migrate-tables', { collections: ['posters'], trackActivity: true });
		expect(migrate.resolved, JSON.stringify(migrate.last).slice(0, 2000)).toBe(true);
		expect(migrate.last.files).toMatchObject({ transferred: 1, paths: { receiver: 1 } });
		expect(await count(pair.destination, `/activity?filter[collection][_eq]=directus_files&filter[item][_eq]=${tracked.id}`)).toBeGreaterThan(0);
		expect(await servedSha256(pair.destination, tracked.id)).toBe(tracked.sha256);
	});

	it('a file above the destination FILES_MAX_UPLOAD_SIZE fails alone with FILE_TOO_LARGE, within its batch; the others and the items land', async () => {
		const small = await uploadFile(pair.source, randomBytes(30 * KB), { title: 'small' });
		const large = await uploadFile(pair.source, randomBytes(1100 * KB), { title: 'large' });
		const others = [await uploadFile(pair.source, randomBytes(20 * KB), { title: 'other' }), await uploadFile(pair.source, randomBytes(10 * KB), { title: 'another' })];
		await poster(pair, 10, small);
		await poster(pair, 11, large);
		await poster(pair, 12, others[0]!);
		await poster(pair, 13, others[1]!);
		const migrate = await transfer(pair);
		expect(migrate.resolved).toBe(false);
		// Four new files at concurrency 2: two batches of two; the large one is refused in its batch, alone.
		expect(migrate.last).toMatchObject({ code: 'FILES_FAILED', files: { transferred: 3, failed: 1, batched: 3 } });
		expect(migrate.last.failures.files).toEqual([expect.objectContaining({ id: large.id, code: 'FILE_TOO_LARGE' })]);
		expect(migrate.last.collections.posters).toMatchObject({ created: 4, failed: 0 });
		for (const file of [small, ...others]) expect(await servedSha256(pair.destination, file.id)).toBe(file.sha256);
		expect(await fileRows(pair.destination, [large.id])).toEqual([]);
	});

	it('its file routes refuse no token (401), a non-admin (403), bad metadata and an oversized file with a code, writing nothing', async () => {
		const editorToken = `editor-${randomUUID()}`;
		await pair.destination.api('POST', '/users', { email: 'editor@example.com', token: editorToken });
		const files0 = await count(pair.destination, '/files');
		const id = randomUUID();
		const good = { file: { id, filename_download: 'x.bin', type: 'application/octet-stream' }, filesize: 3 };
		const bytes = Buffer.from('abc');
		expect(await sendFile(pair.destination, id, good, bytes, null)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
		expect(await sendFile(pair.destination, id, good, bytes, editorToken)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
		expect(await sendFile(pair.destination, id, { ...good, file: { ...good.file, sneaky: 1 } }, bytes)).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
		expect(await sendFile(pair.destination, id, { ...good, file: { ...good.file, id: 'not-an-id' } }, bytes)).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
		expect(await sendFile(pair.destination, id, { ...good, file: { ...good.file, tags: 'not a list' } }, bytes)).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
		expect(await sendFile(pair.destination, id, { ...good, file: { ...good.file, id: randomUUID() } }, bytes)).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
		expect(await sendFile(pair.destination, id, { ...good, filesize: 2 * 1024 * KB }, bytes)).toMatchObject({ status: 413, code: 'FILE_TOO_LARGE' });
		expect(await sendFile(pair.destination, id, good, randomBytes(1100 * KB))).toMatchObject({ status: 413, code: 'FILE_TOO_LARGE' });
		const checksums = await fetch(`${pair.destination.url}/migration-receiver/files-checksums`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-directus-migration', Authorization: `Bearer ${editorToken}` },
			body: JSON.stringify({ ids: [id] }),
		});
		expect(checksums.status).toBe(403);
		expect(await count(pair.destination, '/files')).toBe(files0);

		// The same request by an admin writes the file; sent again it replaces it (one file, not two).
		expect(await sendFile(pair.destination, id, good, bytes)).toMatchObject({ status: 200 });
		expect(await sendFile(pair.destination, id, good, Buffer.from('xyz'))).toMatchObject({ status: 200 });
		expect(await count(pair.destination, '/files')).toBe(files0 + 1);
		expect(await servedSha256(pair.destination, id)).toBe(createHash('sha256').update('xyz').digest('hex'));
	});

	it('its batch route writes each file of a batch alone (one too large is refused by itself), replaces them when sent again, and refuses no token, a non-admin and malformed batches, writing nothing', async () => {
		const editorToken = `batch-editor-${randomUUID()}`;
		await pair.destination.api('POST', '/users', { email: 'batch-editor@example.com', token: editorToken });
		const before = await count(pair.destination, '/files');
		const activity = await count(pair.destination, '/activity?filter[collection][_eq]=directus_files');
		const batch = [
			{ id: randomUUID(), bytes: randomBytes(10 * KB) },
			{ id: randomUUID(), bytes: randomBytes(1100 * KB) },
			{ id: randomUUID(), bytes: randomBytes(20 * KB) },
		];
		const [small, large, other] = batch as [(typeof batch)[0], (typeof batch)[0], (typeof batch)[0]];
		expect(await sendBatch(pair.destination, batch, { token: null })).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
		expect(await sendBatch(pair.destination, batch, { token: editorToken })).toMatchObject({ status: 403, code: 'FORBIDDEN' });
		// Bytes that do not match the sizes the metadata names, a file named twice, sizes over the batch's bounds.
		expect(await sendBatch(pair.destination, batch, { body: randomBytes(100) })).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
		expect(await sendBatch(pair.destination, batch, { filesize: (bytes) => bytes.length - 1 })).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
		expect(await sendBatch(pair.destination, [small, small])).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
		// (Bodies refused on their metadata alone are sent short: a large body left unread costs the connection.)
		const tooLargeToBatch = { id: randomUUID(), bytes: randomBytes(2 * 1024 * KB + 1) };
		expect(await sendBatch(pair.destination, [small, tooLargeToBatch], { body: randomBytes(100) })).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
		expect(await count(pair.destination, '/files')).toBe(before);

		const written = await sendBatch(pair.destination, batch);
		expect(written.status).toBe(200);
		const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
		expect(written.files).toEqual([
			{ id: small.id, filesize: small.bytes.length, sha256: sha(small.bytes) },
			{ id: large.id, refused: expect.objectContaining({ status: 413, code: 'FILE_TOO_LARGE' }) },
			{ id: other.id, filesize: other.bytes.length, sha256: sha(other.bytes) },
		]);
		expect(await count(pair.destination, '/files')).toBe(before + 2);
		expect(await fileRows(pair.destination, [large.id])).toEqual([]);

		// Sent again (a lost answer), with other bytes: the same two files, replaced.
		const again = [small, other].map(({ id }) => ({ id, bytes: randomBytes(15 * KB) }));
		expect((await sendBatch(pair.destination, again)).status).toBe(200);
		expect(await count(pair.destination, '/files')).toBe(before + 2);
		for (const { id, bytes } of again) expect(await servedSha256(pair.destination, id)).toBe(sha(bytes));
		expect(await count(pair.destination, '/activity?filter[collection][_eq]=directus_files')).toBe(activity);

		// Files whose sizes add up past the batch's bytes: refused by its metadata, before a byte of them is read.
		const fiveFull = Array.from({ length: 5 }, () => ({ id: randomUUID(), bytes: randomBytes(2 * 1024 * KB) }));
		expect(await sendBatch(pair.destination, fiveFull, { body: randomBytes(100) })).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
		expect(await count(pair.destination, `/files?filter[id][_in]=${fiveFull.map(({ id }) => id).join(',')}`)).toBe(0);
	});

	it('a slow sender of a small file does not hold the destination: a write made meanwhile is answered before the upload ends', async () => {
		const id = randomUUID();
		const head = Buffer.from(JSON.stringify({ file: { id, filename_download: 'slow.bin', type: 'application/octet-stream' }, filesize: 64 * KB }), 'utf8');
		const bytes = randomBytes(64 * KB);
		const body = new ReadableStream<Uint8Array>({
			async start(controller) {
				controller.enqueue(new Uint8Array(Buffer.concat([head, bytes.subarray(0, 32 * KB)])));
				await new Promise((resolve) => setTimeout(resolve, 2_000));
				controller.enqueue(new Uint8Array(bytes.subarray(32 * KB)));
				controller.close();
			},
		});
		const upload = fetch(`${pair.destination.url}/migration-receiver/files/${id}`, {
			method: 'POST',
			headers: { 'Content-Type': FILE_MEDIA_TYPE, 'x-migration-metadata-bytes': String(head.length), Authorization: `Bearer ${pair.destination.token}` },
			body,
			duplex: 'half',
		} as RequestInit).then((response) => ({ status: response.status, at: Date.now() }));
		await new Promise((resolve) => setTimeout(resolve, 300));
		await pair.destination.api('POST', '/folders', { name: 'written meanwhile' });
		const written = Date.now();
		const uploaded = await upload;
		expect(uploaded.status).toBe(200);
		expect(uploaded.at - written).toBeGreaterThan(1_000);
		expect(await servedSha256(pair.destination, id)).toBe(createHash('sha256').update(bytes).digest('hex'));
	});

	it('a file whose exact metadata the destination refuses keeps the bytes it received and fails alone with METADATA_REFUSED; the next run brings the metadata in line', async () => {
		// The file too large for the destination (an earlier test) is left out of these runs.
		await pair.source.api('DELETE', '/items/posters/11');
		const refused = await uploadFile(pair.source, randomBytes(25 * KB), { title: 'refused' });
		await pair.source.api('PATCH', `/files/${refused.id}`, { description: 'refuse me' });
		const fine = await uploadFile(pair.source, randomBytes(26 * KB), { title: 'fine' });
		await poster(pair, 30, refused);
		await poster(pair, 31, fine);
		refuseDescription(pair.destination, true);
		try {
			const migrate = await transfer(pair);
			expect(migrate.resolved).toBe(false);
			expect(migrate.last).toMatchObject({ code: 'FILES_FAILED', files: { failed: 1 } });
			expect(migrate.last.failures.files).toEqual([expect.objectContaining({ id: refused.id, code: 'METADATA_REFUSED' })]);
			expect(await servedSha256(pair.destination, refused.id)).toBe(refused.sha256);
			expect(await servedSha256(pair.destination, fine.id)).toBe(fine.sha256);
			expect(await fileRows(pair.destination, [fine.id])).toEqual(await expectedRows(pair, [fine.id], author.id));
			const [stored] = await fileRows(pair.destination, [refused.id]);
			expect(stored).toMatchObject({ id: refused.id, description: null });
			expect(Number(stored!['filesize'])).toBe(refused.size);
		} finally {
			refuseDescription(pair.destination, false);
		}
		const again = await transfer(pair);
		expect(again.resolved, JSON.stringify(again.last).slice(0, 2000)).toBe(true);
		expect(await fileRows(pair.destination, [refused.id])).toEqual(await expectedRows(pair, [refused.id], author.id));
	});

	it("a batch whose files the destination's storage cannot save sends each file alone, with its retries: each fails with DESTINATION_STORAGE_ERROR, and the next run lands them in a batch", async () => {
		const files2 = [await uploadFile(pair.source, randomBytes(21 * KB), { title: 'unsaved a' }), await uploadFile(pair.source, randomBytes(22 * KB), { title: 'unsaved b' })];
		await poster(pair, 40, files2[0]!);
		await poster(pair, 41, files2[1]!);
		// The destination's storage root becomes a plain file: every write fails (Directus answers 503, service "files").
		const root = join(pair.destination.dir, 'uploads');
		renameSync(root, `${root}.away`);
		writeFileSync(root, 'not a folder');
		let failed;
		try {
			// Concurrency 1: the two new files travel in one batch.
			failed = await run(pair, 'migration-migrate-tables', { collections: ['posters'], concurrency: 1, retries: 1 });
		} finally {
			rmSync(root);
			renameSync(`${root}.away`, root);
		}
		expect(failed.resolved).toBe(false);
		expect(failed.last).toMatchObject({ code: 'FILES_FAILED', files: { transferred: 0, batched: 0, failed: 2 } });
		expect(failed.last.failures.files).toHaveLength(2);
		expect(failed.last.failures.files).toEqual(expect.arrayContaining(files2.map((file) => expect.objectContaining({ id: file.id, code: 'DESTINATION_STORAGE_ERROR' }))));
		// Each file sent alone after the batch was retried.
		expect(failed.last.requests.retries).toBeGreaterThanOrEqual(2);
		expect(await fileRows(pair.destination, files2.map((file) => file.id))).toEqual([]);

		const landed = await run(pair, 'migration-migrate-tables', { collections: ['posters'], concurrency: 1 });
		expect(landed.resolved, JSON.stringify(landed.last).slice(0, 2000)).toBe(true);
		expect(landed.last.files).toMatchObject({ transferred: 2, batched: 2, failed: 0 });
		for (const file of files2) expect(await servedSha256(pair.destination, file.id)).toBe(file.sha256);
	});
});

/** Makes the destination's database refuse a file description of "refuse me" (a trigger on SQLite, a check elsewhere), or stop refusing it. */
function refuseDescription(instance: DirectusInstance, refuse: boolean): void {
	if (instance.vendor === 'sqlite') {
		runSql(
			instance,
			refuse
				? "CREATE TRIGGER refuse_description BEFORE UPDATE OF description ON directus_files WHEN NEW.description = 'refuse me' BEGIN SELECT RAISE(ABORT, 'description refused'); END"
				: 'DROP TRIGGER refuse_description',
		);
		return;
	}
	runSql(
		instance,
		refuse
			? "ALTER TABLE directus_files ADD CONSTRAINT refuse_description CHECK (description IS NULL OR description <> 'refuse me')"
			: 'ALTER TABLE directus_files DROP CONSTRAINT refuse_description',
	);
}

describe('files to a destination without the bundle (a mixed pair)', () => {
	let pair: Pair;

	beforeAll(async () => {
		pair = await startPair({ destinationBundle: false });
		await createPosters(pair);
	});
	afterAll(async () => {
		await pair?.stop();
	});

	it('go over REST, and the report says so', async () => {
		const file = await uploadFile(pair.source, randomBytes(50 * KB), { title: 'rest' });
		await poster(pair, 1, file);
		const migrate = await withFlow(
			pair.source,
			[
				{ key: 'extract', type: 'migration-extract', options: { collections: ['posters'] } },
				{ key: 'files', type: 'migration-transfer-files' },
			],
			(flow) => flow.trigger(),
		);
		expect(migrate.resolved, JSON.stringify(migrate.last).slice(0, 2000)).toBe(true);
		expect(migrate.last.writePath).toBe('rest');
		expect(migrate.last.files).toMatchObject({ transferred: 1, failed: 0, paths: { receiver: 0, rest: 1 } });
		expect(await servedSha256(pair.destination, file.id)).toBe(file.sha256);
	});
});
