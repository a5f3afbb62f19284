import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FaultProxy } from '../harness/fault-proxy.ts';
import { withFlow } from '../harness/flows.ts';
import { DirectusInstance } from '../harness/instance.ts';
import { generateStoredFile, residentRiseWhile, servedSha256, type StoredFile } from '../harness/large-file.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { createCollection, integerKey, stringField } from '../harness/schema-fixtures.ts';

const MB = 1024 * 1024;
/** Many times the bound below, and small enough for a shared machine. */
const LARGE_FILE_BYTES = 256 * MB;
/** What the source may gain in resident memory while the large file moves. */
const MEMORY_RISE_BOUND = 64 * MB;
/** The second destination's FILES_MAX_UPLOAD_SIZE. */
const UPLOAD_LIMIT = '8MB';

let pair: Pair;
/** A second destination with resumable uploads (TUS_ENABLED) and a small FILES_MAX_UPLOAD_SIZE. */
let limited: DirectusInstance;
let limitedDir: string;
let proxy: FaultProxy;
let limitedProxy: FaultProxy;

/** Replaces a file's bytes on the source through Directus (as a user does), keeping its size. */
async function replaceBytes(instance: DirectusInstance, file: StoredFile): Promise<StoredFile> {
	const bytes = randomBytes(file.size);
	const form = new FormData();
	form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), 'replaced.bin');
	const response = await fetch(`${instance.url}/files/${file.id}`, { method: 'PATCH', headers: { Authorization: `Bearer ${instance.token}` }, body: form });
	if (!response.ok) throw new Error(`replace ${file.id}: ${response.status} ${await response.text()}`);
	return { ...file, sha256: createHash('sha256').update(bytes).digest('hex') };
}

async function reel(instance: DirectusInstance, id: number, file: StoredFile): Promise<void> {
	await instance.api('POST', '/items/reels', { id, name: `reel ${id}`, video: file.id });
}

const migrate = (options: Record<string, unknown>) =>
	withFlow(pair.source, [{ key: 'migrate', type: 'migration-migrate-tables', options: { collections: ['reels'], ...options } }], (flow) => flow.trigger());

async function emptyDestination(instance: DirectusInstance): Promise<void> {
	await instance.api('DELETE', '/items/reels', { query: { limit: -1 } });
	const files = await instance.api<{ id: string }[]>('GET', '/files?limit=-1&fields=id');
	if (files.length > 0) await instance.api('DELETE', '/files', files.map((file) => file.id));
}

beforeAll(async () => {
	pair = await startPair();
	// The same destination template in another folder: same token, its own database and storage.
	limitedDir = mkdtempSync(join(tmpdir(), 'directus-migration-limited-'));
	limited = await DirectusInstance.start({
		name: 'destination',
		workDir: limitedDir,
		vendor: pair.destination.vendor,
		env: { TUS_ENABLED: 'true', FILES_MAX_UPLOAD_SIZE: UPLOAD_LIMIT },
	});
	await createCollection(pair.source, 'reels', [integerKey, stringField('name')]);
	await pair.source.api('POST', '/fields/reels', { field: 'video', type: 'uuid', meta: { interface: 'file', special: ['file'] }, schema: {} });
	await pair.source.api('POST', '/relations', { collection: 'reels', field: 'video', related_collection: 'directus_files', schema: { on_delete: 'SET NULL' } });
	for (const url of [pair.destination.url, limited.url]) {
		const schema = await withFlow(pair.source, [{ key: 'schema', type: 'migration-schema-sync', options: { dryRun: false, destinationUrl: url } }], (flow) => flow.trigger());
		expect(schema.resolved, JSON.stringify(schema.last).slice(0, 1500)).toBe(true);
	}
	proxy = await new FaultProxy(pair.destination.url).start();
	limitedProxy = await new FaultProxy(limited.url).start();
});

afterAll(async () => {
	await proxy?.stop();
	await limitedProxy?.stop();
	await limited?.dispose();
	if (limitedDir) rmSync(limitedDir, { recursive: true, force: true });
	await pair?.stop();
});

beforeEach(async () => {
	proxy.faults = {};
	limitedProxy.faults = {};
	await pair.source.api('DELETE', '/items/reels', { query: { limit: -1 } });
	await emptyDestination(pair.destination);
	await emptyDestination(limited);
});

describe('large files', () => {
	it('a file many times the memory bound streams through the receiver with bounded memory on both sides and arrives byte-equal', async () => {
		const large = await generateStoredFile(pair.source, 'large', LARGE_FILE_BYTES);
		await reel(pair.source, 1, large);

		const measured = await residentRiseWhile(pair.destination, () => residentRiseWhile(pair.source, () => migrate({})));
		const { result: run, riseBytes: rise } = measured.result;
		expect(run.resolved, JSON.stringify(run.last).slice(0, 1500)).toBe(true);
		expect(run.last.files).toMatchObject({ transferred: 1, failed: 0, bytes: LARGE_FILE_BYTES, paths: { receiver: 1, rest: 0 } });
		expect(rise, `the source's resident memory rose by ${(rise / MB).toFixed(1)} MB`).toBeLessThanOrEqual(MEMORY_RISE_BOUND);
		const destinationRise = measured.riseBytes;
		expect(destinationRise, `the destination's resident memory rose by ${(destinationRise / MB).toFixed(1)} MB`).toBeLessThanOrEqual(MEMORY_RISE_BOUND);
		expect(await servedSha256(pair.destination, large.id)).toBe(large.sha256);
	});

	it('bytes replaced on the source with others of the same size are sent again on the next run', async () => {
		const original = await generateStoredFile(pair.source, 'poster', 2 * MB);
		await reel(pair.source, 2, original);
		// A copy counts as the source's bytes when stamped over a second after the source's last change
		// of them (the Date header has whole seconds): a re-run within that second sends the file again.
		await new Promise((resolve) => setTimeout(resolve, 2_000));
		const first = await migrate({});
		expect(first.resolved, JSON.stringify(first.last).slice(0, 1500)).toBe(true);
		expect(await servedSha256(pair.destination, original.id)).toBe(original.sha256);

		const unchanged = await migrate({});
		expect(unchanged.last.files).toMatchObject({ transferred: 0, skipped: 1 });

		const replaced = await replaceBytes(pair.source, original);
		const stored = await pair.source.api<{ filesize: string | number }>('GET', `/files/${original.id}?fields=filesize`);
		expect(Number(stored.filesize)).toBe(original.size);
		const again = await migrate({});
		expect(again.resolved, JSON.stringify(again.last).slice(0, 1500)).toBe(true);
		expect(again.last.files).toMatchObject({ transferred: 1, failed: 0 });
		expect(await servedSha256(pair.destination, original.id)).toBe(replaced.sha256);
	});

	it('an upload slower than the request timeout completes while its bytes keep moving (the timeout is one of silence)', async () => {
		const file = await generateStoredFile(pair.source, 'slow', 48 * MB);
		await reel(pair.source, 5, file);
		// 48 MB at 8 MB/s: about 6 s of upload against a 3 s timeout. (The last few MB sit in socket
		// buffers after the body left the source: the timeout must exceed the time they take to drain.)
		proxy.faults = { bodyBytesPerSecond: 8 * MB };
		const startedAt = Date.now();
		const run = await migrate({ destinationUrl: proxy.url, timeoutSeconds: 3, retries: 0 });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2500)).toBe(true);
		expect(Date.now() - startedAt).toBeGreaterThan(4_500);
		expect(run.last.files).toMatchObject({ transferred: 1, failed: 0 });
		expect(await servedSha256(pair.destination, file.id)).toBe(file.sha256);
	});

	it('without resumable uploads, a connection lost mid-file is retried by streaming the file again from the start', async () => {
		const file = await generateStoredFile(pair.source, 'cut', 24 * MB);
		await reel(pair.source, 3, file);
		proxy.faults = { cutBodyOf: { method: 'POST', path: /^\/(migration-receiver\/)?files\b/, afterBytes: 12 * MB, times: 1 } };
		const run = await migrate({ destinationUrl: proxy.url });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 1500)).toBe(true);
		expect(proxy.counts.cut).toBe(1);
		expect(run.last.requests.retries).toBeGreaterThan(0);
		// The first 12 MB, then the whole file again.
		expect(proxy.counts.bodyBytes).toBeGreaterThanOrEqual(12 * MB + file.size);
		expect(await servedSha256(pair.destination, file.id)).toBe(file.sha256);
	});
});

describe('resumable uploads (TUS_ENABLED on the destination)', () => {
	it('a connection lost mid-file resumes from the offset the destination acknowledged instead of starting over', async () => {
		const file = await generateStoredFile(pair.source, 'resumed', 6 * MB);
		await reel(pair.source, 4, file);
		// Over REST a copy counts as the source's bytes when Directus stamped it at least a second after the
		// source's last change (see holdsSameBytes): a run faster than that would rightly send it again.
		await new Promise((resolve) => setTimeout(resolve, 1_100));
		limitedProxy.faults = { cutBodyOf: { method: 'PATCH', path: /^\/files\/tus\//, afterBytes: 4 * MB, times: 1 } };
		const run = await migrate({ destinationUrl: limitedProxy.url, resumableAboveMB: 1 });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 1500)).toBe(true);
		expect(limitedProxy.counts.cut).toBe(1);
		expect(run.last.files).toMatchObject({ transferred: 1, failed: 0, resumable: { sent: 1, resumed: 1 } });
		// Started over, the destination would have received 4 MB and then all 6 MB again.
		expect(limitedProxy.counts.bodyBytes).toBeLessThan(4 * MB + file.size);
		expect(await servedSha256(limited, file.id)).toBe(file.sha256);
		const row = await limited.api<{ filesize: string | number; filename_download: string }>('GET', `/files/${file.id}?fields=filesize,filename_download`);
		expect(Number(row.filesize)).toBe(file.size);
		expect(row.filename_download).toBe('resumed.bin');
		// Re-running sends nothing: the resumed copy counts as the source's bytes.
		const again = await migrate({ destinationUrl: limited.url, resumableAboveMB: 1 });
		expect(again.last.files).toMatchObject({ transferred: 0, skipped: 1 });
	});
});

describe('one file never stops the run', () => {
	it("a file the destination's storage cannot save fails with DESTINATION_STORAGE_ERROR after its retries; the run goes on to the items and rejects FILES_FAILED", async () => {
		const file = await generateStoredFile(pair.source, 'unsaved', 1 * MB);
		await reel(pair.source, 30, file);
		await reel(pair.source, 31, file);
		// The destination's storage root becomes a plain file: every write fails (Directus answers 503, service "files").
		const root = join(limited.dir, 'uploads');
		renameSync(root, `${root}.away`);
		writeFileSync(root, 'not a folder');
		let run;
		try {
			run = await migrate({ destinationUrl: limited.url, retries: 1 });
		} finally {
			rmSync(root);
			renameSync(`${root}.away`, root);
		}
		expect(run.resolved).toBe(false);
		expect(run.last).toMatchObject({ code: 'FILES_FAILED', files: { transferred: 0, failed: 1 } });
		expect(run.last.failures.files).toEqual([expect.objectContaining({ id: file.id, code: 'DESTINATION_STORAGE_ERROR' })]);
		expect(run.last.collections.reels).toMatchObject({ created: 2, failed: 0 });
		expect(run.last.requests.retries).toBeGreaterThan(0);
	});

	it("a file whose bytes are missing from the source's storage fails alone with SOURCE_FILE_UNREADABLE; the other file and the items land", async () => {
		const kept = await generateStoredFile(pair.source, 'kept', 1 * MB);
		const lost = await generateStoredFile(pair.source, 'lost', 1 * MB);
		unlinkSync(join(pair.source.dir, 'uploads', `${lost.id}.bin`));
		await reel(pair.source, 20, lost);
		await reel(pair.source, 21, kept);
		const run = await migrate({});
		expect(run.resolved).toBe(false);
		expect(run.last).toMatchObject({ code: 'FILES_FAILED', files: { transferred: 1, failed: 1 } });
		expect(run.last.failures.files).toEqual([expect.objectContaining({ id: lost.id, code: 'SOURCE_FILE_UNREADABLE' })]);
		expect(run.last.collections.reels).toMatchObject({ created: 2, failed: 0 });
		expect(await servedSha256(pair.destination, kept.id)).toBe(kept.sha256);
	});

	it.each([
		['a multipart upload', 16],
		['a resumable upload', 1],
	])('a file above the destination FILES_MAX_UPLOAD_SIZE fails alone with FILE_TOO_LARGE (%s); the other files and the items land; the run rejects FILES_FAILED', async (_path, resumableAboveMB) => {
		const small = [await generateStoredFile(pair.source, 'small-1', 300_000), await generateStoredFile(pair.source, 'small-2', 2 * MB)];
		const tooLarge = await generateStoredFile(pair.source, 'too-large', 10 * MB);
		await reel(pair.source, 10, small[0]!);
		await reel(pair.source, 11, tooLarge);
		await reel(pair.source, 12, small[1]!);

		const run = await migrate({ destinationUrl: limited.url, resumableAboveMB });
		expect(run.resolved).toBe(false);
		expect(run.last).toMatchObject({ code: 'FILES_FAILED', ok: false });
		expect(run.last.files).toMatchObject({ transferred: 2, failed: 1 });
		expect(run.last.failures.files).toEqual([expect.objectContaining({ id: tooLarge.id, code: 'FILE_TOO_LARGE' })]);
		expect(run.last.collections.reels).toMatchObject({ created: 3, failed: 0 });
		for (const file of small) expect(await servedSha256(limited, file.id)).toBe(file.sha256);
		expect(await servedSha256(limited, tooLarge.id)).toBeNull();
		const reels = await limited.api<{ id: number }[]>('GET', '/items/reels?fields=id&sort=id');
		expect(reels.map((row) => row.id)).toEqual([10, 11, 12]);
	});
});
