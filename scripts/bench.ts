/**
 * `npm run bench`: measures the content operations against plain REST requests of the same work (the
 * baselines), in one run, on two local Directus instances (the test harness). Figures are ratios
 * within the run, medians where cheap; the source's memory is its heap after GC, read through its
 * inspector.
 *
 *   BENCH_ITEMS (default 10000)  items of the main collection; memory is also measured at 5 × that
 *   BENCH_FILES (default 200)    files of ~200 KB
 *   BENCH_LARGE_FILE_MB (default 256)  one large file: MB/s against a plain streamed upload, and the
 *                                source's resident memory rise while it moves
 *   BENCH_ONLY=large-file        runs the large-file section alone (writes bench/large-file.json)
 *   BENCH_ONLY=receiver          only the write-path section (receiver vs REST vs baseline) at N items
 *   BENCH_ONLY=reruns            only the first copy and the re-runs with nothing changed, at N items
 *   BENCH_ONLY=memory            only the first copies at N and 5 × N, with the source's and the
 *                                destination's heap after GC (writes bench/memory.json)
 *   BENCH_ONLY=files             only the files section: plain uploads, transfer-files through the
 *                                receiver and over REST, and a re-run with nothing changed
 *
 * Prints a table and writes bench/results.json.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFlow, type FlowRun } from '../test/harness/flows.ts';
import type { DirectusInstance } from '../test/harness/instance.ts';
import { freePort } from '../test/harness/instance.ts';
import { startPair, type Pair } from '../test/harness/pair.ts';
import { PROJECT_ROOT } from '../test/harness/paths.ts';
import { createCollection, createManyToOne, integerKey, stringField } from '../test/harness/schema-fixtures.ts';
import { generateStoredFile, residentRiseWhile, servedSha256 } from '../test/harness/large-file.ts';
import { HeapProbe } from './heap-probe.ts';

const N = Number(process.env['BENCH_ITEMS'] ?? 10_000);
const FILES = Number(process.env['BENCH_FILES'] ?? 200);
const FILE_BYTES = 200 * 1024;
const BATCH = 100;
const CONCURRENCY = 2;
const LARGE_FILE_MB = Number(process.env['BENCH_LARGE_FILE_MB'] ?? 256);
const ONLY = process.env['BENCH_ONLY'];
/** Per-item audit rows only (create/update activity of the migrated collection); a run through the receiver adds its one run row besides. */
const AUDIT_ROWS_LABEL = 'destination activity rows per 10,000 items, per item: REST / receiver (the receiver adds 1 run row per run)';
const mb = (bytes: number | null | undefined) => (bytes ? Math.round(bytes / 1e6) : null);

type Figures = Record<string, number | null>;
type HeapFigures = ReturnType<typeof heapFigures>;

/** Both sides' heap after GC before and at the peak of the first copy, at N and 5 × N items. */
function heapFigures(at: Figures, atFive: Figures) {
	const figure = (name: string) => ({ [N]: mb(at[name]), [5 * N]: mb(atFive[name]) });
	return {
		sourceHeapAfterGcBeforeMB: figure('sourceHeapBeforeBytes'),
		sourceHeapAfterGcPeakMB: figure('sourceHeapPeakBytes'),
		destinationHeapAfterGcBeforeMB: figure('destinationHeapBeforeBytes'),
		destinationHeapAfterGcPeakMB: figure('destinationHeapPeakBytes'),
	};
}

function heapRows(figures: HeapFigures): [string, string][] {
	return (['source', 'destination'] as const).map((side) => {
		const before = figures[`${side}HeapAfterGcBeforeMB`];
		const peak = figures[`${side}HeapAfterGcPeakMB`];
		return [
			`${side} heap after GC during a first copy through the receiver of ${N} / ${5 * N} items (before → peak)`,
			`${before[N]} → ${peak[N]} MB / ${before[5 * N]} → ${peak[5 * N]} MB`,
		];
	});
}

const benchFields = [
	integerKey,
	stringField('title'),
	{ field: 'body', type: 'text', meta: { interface: 'input-multiline' }, schema: {} },
	{ field: 'price', type: 'decimal', meta: { interface: 'input' }, schema: { numeric_precision: 10, numeric_scale: 2 } },
	{ field: 'quantity', type: 'integer', meta: { interface: 'input' }, schema: {} },
	{ field: 'active', type: 'boolean', meta: { interface: 'boolean' }, schema: {} },
	{ field: 'data', type: 'json', meta: { interface: 'input-code' }, schema: {} },
	{ field: 'date_created', type: 'timestamp', meta: { special: ['date-created'], interface: 'datetime' }, schema: {} },
	{ field: 'date_updated', type: 'timestamp', meta: { special: ['date-updated'], interface: 'datetime' }, schema: {} },
];

function item(index: number) {
	return {
		title: `Item ${index}`,
		body: `Body of item ${index} `.repeat(5),
		price: ((index % 1000) + 0.99).toFixed(2),
		quantity: index % 97,
		active: index % 2 === 0,
		data: { index, tags: ['a', 'b'], nested: { even: index % 2 === 0 } },
	};
}

async function inBatches<T>(total: number, size: number, concurrency: number, work: (start: number, count: number) => Promise<T>) {
	let next = 0;
	const worker = async () => {
		for (;;) {
			const start = next;
			next += size;
			if (start >= total) return;
			await work(start, Math.min(size, total - start));
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
}

const seconds = (startedAt: number) => (performance.now() - startedAt) / 1000;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timedFlow(instance: DirectusInstance, type: string, options: Record<string, unknown>): Promise<{ run: FlowRun; seconds: number }> {
	return withFlow(instance, [{ key: 'step', type, options }], async (flow) => {
		const startedAt = performance.now();
		const run = await flow.trigger();
		if (!run.resolved) throw new Error(`${type} rejected: ${JSON.stringify(run.last).slice(0, 1500)}`);
		return { run, seconds: seconds(startedAt) };
	});
}

async function seed(pair: Pair, items: number, files: number): Promise<void> {
	const { source } = pair;
	// Activity tracking off on the source only, to seed fast; the destination keeps the default.
	await createCollection(source, 'bench_items', benchFields, { accountability: null });
	await createCollection(source, 'bench_refs', [integerKey, stringField('label')], { accountability: null });
	await createManyToOne(source, 'bench_refs', 'item', 'bench_items');
	await source.api('POST', '/fields/bench_refs', { field: 'file', type: 'uuid', meta: { interface: 'file', special: ['file'] }, schema: {} });
	await source.api('POST', '/relations', { collection: 'bench_refs', field: 'file', related_collection: 'directus_files', schema: { on_delete: 'SET NULL' } });
	await inBatches(items, 500, 2, (start, count) =>
		source.api('POST', '/items/bench_items?fields=id', Array.from({ length: count }, (_, offset) => item(start + offset + 1))),
	);
	const fileIds: string[] = [];
	await inBatches(files, 1, 2, async (index) => {
		const form = new FormData();
		form.append('file', new Blob([randomBytes(FILE_BYTES)], { type: 'application/octet-stream' }), `file-${index}.bin`);
		const response = await fetch(`${source.url}/files`, { method: 'POST', headers: { Authorization: `Bearer ${source.token}` }, body: form });
		fileIds.push(((await response.json()) as { data: { id: string } }).data.id);
	});
	const refs = Math.max(files, Math.floor(items / 10));
	await inBatches(refs, 500, 2, (start, count) =>
		source.api(
			'POST',
			'/items/bench_refs?fields=id',
			Array.from({ length: count }, (_, offset) => ({
				label: `Ref ${start + offset}`,
				item: ((start + offset) % items) + 1,
				file: fileIds[start + offset] ?? null,
			})),
		),
	);
	// Back to Directus's default (activity tracked) before the schema reaches the destination, where
	// the baseline collection has the same default: both write paths pay the same price.
	for (const collection of ['bench_items', 'bench_refs']) await source.api('PATCH', `/collections/${collection}`, { meta: { accountability: 'all' } });
	await timedFlow(source, 'migration-schema-sync', { dryRun: false });
}

/** Plain bulk creates of the same rows into an empty copy of the collection: the baseline for a first copy. */
async function baselineItems(pair: Pair, items: number): Promise<number> {
	await createCollection(pair.destination, 'bench_baseline', benchFields);
	const rows: Record<string, unknown>[] = [];
	for (let offset = 0; offset < items; offset += 5000) {
		rows.push(...(await pair.source.api<Record<string, unknown>[]>('GET', `/items/bench_items?limit=5000&offset=${offset}&sort=id`)));
	}
	const startedAt = performance.now();
	await inBatches(rows.length, BATCH, CONCURRENCY, (start, count) =>
		pair.destination.api('POST', '/items/bench_baseline?fields=id', rows.slice(start, start + count)),
	);
	return rows.length / seconds(startedAt);
}

/** Activity rows of item writes (create, update) on the destination for a collection. */
async function auditRows(instance: DirectusInstance, collection: string): Promise<number> {
	const counted = await instance.api<{ count: number | string }[]>(
		'GET',
		`/activity?filter[collection][_eq]=${collection}&filter[action][_in]=create,update&aggregate[count]=*`,
	);
	return Number(counted[0]?.count ?? 0);
}

/**
 * The two write paths side by side on the same rows, batch and concurrency: a first copy through the
 * receiver (the bundle on the destination) and one through the REST API (`writePath: "rest"`), each
 * into an emptied collection, with the audit rows each adds on the destination per 10,000 items.
 */
async function measureWritePaths(pair: Pair, items: number, options: Record<string, unknown>): Promise<Record<string, number | null>> {
	const figures: Record<string, number | null> = {};
	for (const writePath of ['receiver', 'rest'] as const) {
		await pair.destination.api('DELETE', '/items/bench_items', { query: { limit: -1 } });
		const before = await auditRows(pair.destination, 'bench_items');
		console.log(`[bench] first copy, writePath ${writePath}…`);
		const copy = await timedFlow(pair.source, 'migration-migrate-tables', { ...options, writePath });
		if (copy.run.last.writePath !== writePath) throw new Error(`asked for ${writePath}, the run took ${copy.run.last.writePath}`);
		figures[`${writePath}FirstCopyItemsPerSecond`] = items / copy.seconds;
		figures[`${writePath}AuditRowsPer10k`] = ((await auditRows(pair.destination, 'bench_items')) - before) * (10_000 / items);
	}
	return figures;
}

/** Plain REST reads of every row of a collection, 1000 a page in key order: the reference for verify. */
async function restReadRate(instance: DirectusInstance, collection: string): Promise<number> {
	const startedAt = performance.now();
	let rows = 0;
	let cursor = 0;
	for (;;) {
		const page = await instance.api<{ id: number }[]>('GET', `/items/${collection}?limit=1000&sort=id&filter[id][_gt]=${cursor}`);
		rows += page.length;
		if (page.length < 1000) break;
		cursor = page[page.length - 1]!.id;
	}
	return rows / seconds(startedAt);
}

/**
 * The files transfer-files moves: those bench_refs references (the source's library also holds the
 * journals of the runs before, which are not migrated and must not weigh on the baseline).
 */
async function benchFileIds(pair: Pair): Promise<string[]> {
	const refs = await pair.source.api<{ file: string | null }[]>('GET', '/items/bench_refs?limit=-1&fields=file');
	return [...new Set(refs.map((ref) => ref.file).filter((id): id is string => id !== null))];
}

/** Plain uploads of the same files (bytes already in memory): the baseline for files. */
async function baselineFiles(pair: Pair): Promise<number> {
	const bodies: Buffer[] = [];
	for (const id of await benchFileIds(pair)) {
		const response = await fetch(`${pair.source.url}/assets/${id}`, { headers: { Authorization: `Bearer ${pair.source.token}` } });
		bodies.push(Buffer.from(await response.arrayBuffer()));
	}
	const folder = await pair.destination.api<{ id: string }>('POST', '/folders', { name: 'baseline' });
	const startedAt = performance.now();
	await inBatches(bodies.length, 1, CONCURRENCY, async (index) => {
		const form = new FormData();
		form.append('folder', folder.id);
		form.append('file', new Blob([new Uint8Array(bodies[index]!)], { type: 'application/octet-stream' }), `baseline-${index}.bin`);
		const response = await fetch(`${pair.destination.url}/files`, { method: 'POST', headers: { Authorization: `Bearer ${pair.destination.token}` }, body: form });
		// Every upload is read to its end and must have succeeded: a refused one would count as speed.
		const answer = await response.text();
		if (!response.ok) throw new Error(`baseline upload ${index}: ${response.status} ${answer.slice(0, 500)}`);
	});
	const megabytes = bodies.reduce((sum, body) => sum + body.length, 0) / 1e6;
	return megabytes / seconds(startedAt);
}

/** transfer-files of the files bench_refs references, by `writePath`; the step's report. */
async function transferFiles(pair: Pair, writePath: 'receiver' | 'rest') {
	return withFlow(
		pair.source,
		[
			{ key: 'extract', type: 'migration-extract', options: { collections: ['bench_refs'] } },
			{ key: 'files', type: 'migration-transfer-files', options: { concurrency: CONCURRENCY, writePath } },
		],
		async (flow) => {
			const run = await flow.trigger();
			if (!run.resolved) throw new Error(`files rejected: ${JSON.stringify(run.last).slice(0, 1500)}`);
			if (run.all['files'].writePath !== writePath) throw new Error(`files asked for ${writePath} took ${run.all['files'].writePath}`);
			return run.all['files'];
		},
	);
}

/**
 * Files: plain uploads of the same bytes (the baseline), and transfer-files into a destination without
 * them over REST and through the receiver (the step's whole duration, its plan and lease included), in
 * the order baseline, REST, receiver, receiver, REST, baseline: each figure is the mean of its two
 * runs, so a load on the machine that rises or falls during the section weighs on all three alike.
 * Then a re-run through the receiver with nothing changed.
 */
async function measureFiles(pair: Pair): Promise<Record<string, number>> {
	console.log('[bench] files…');
	const ids = await benchFileIds(pair);
	const rates: Record<'baseline' | 'rest' | 'receiver', number[]> = { baseline: [], rest: [], receiver: [] };
	let transferred = 0;
	for (const step of ['baseline', 'rest', 'receiver', 'receiver', 'rest', 'baseline'] as const) {
		if (step === 'baseline') {
			rates.baseline.push(await baselineFiles(pair));
			continue;
		}
		await pair.destination.api('DELETE', '/files', ids).catch(() => {});
		const files = await transferFiles(pair, step);
		if (files.files.paths[step] !== files.files.transferred) throw new Error(`files over ${step}: ${JSON.stringify(files.files)}`);
		if (files.files.transferred !== ids.length) throw new Error(`files over ${step} moved ${files.files.transferred} files; the baseline uploads ${ids.length}`);
		rates[step].push(files.files.bytes / 1e6 / (files.durationMs / 1000));
		transferred = files.files.transferred;
	}
	// The last copy went over REST (Directus stamped modified_on): one receiver run compares their bytes
	// by checksum and puts the source's stamps back, sending no byte; after it, a re-run is a no-op.
	const settle = await transferFiles(pair, 'receiver');
	if (settle.files.transferred !== 0) throw new Error(`a receiver run after a REST copy sent bytes: ${JSON.stringify(settle.files)}`);
	const rerun = await transferFiles(pair, 'receiver');
	if (rerun.files.transferred !== 0 || rerun.files.checksummed !== 0) throw new Error(`a files re-run sent or compared bytes: ${JSON.stringify(rerun.files)}`);
	const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
	return {
		baselineFilesMBPerSecond: mean(rates.baseline),
		filesMBPerSecond: mean(rates.receiver),
		filesRestMBPerSecond: mean(rates.rest),
		filesTransferred: transferred,
		filesRerunSeconds: rerun.durationMs / 1000,
		filesAfterRestSeconds: settle.durationMs / 1000,
	};
}

async function measureAt(items: number, withBaselines: boolean) {
	const inspectPort = await freePort();
	const destinationInspectPort = await freePort();
	const pair = await startPair({
		sourceNodeArgs: [`--inspect=127.0.0.1:${inspectPort}`],
		destinationNodeArgs: [`--inspect=127.0.0.1:${destinationInspectPort}`],
	});
	try {
		console.log(`\n[bench] seeding ${items} items${withBaselines ? ` and ${FILES} files` : ''}…`);
		await seed(pair, items, withBaselines ? FILES : 0);
		const figures: Record<string, number | null> = {};
		if (withBaselines) {
			console.log('[bench] baseline: plain REST bulk creates…');
			figures['baselineItemsPerSecond'] = await baselineItems(pair, items);
		}
		const restart = async () => {
			for (const instance of [pair.source, pair.destination]) {
				await instance.stop();
				await instance.startProcess();
			}
		};
		const options = { collections: ['bench_items'], includeFiles: false, batchSize: BATCH, concurrency: CONCURRENCY };
		if (ONLY !== 'memory') {
			// The first copy the other figures are measured against: with the defaults, on fresh processes on
			// both sides, without heap sampling (each sample is a full garbage collection on both sides).
			await restart();
			console.log('[bench] first copy with the defaults (fresh processes)…');
			const timed = await timedFlow(pair.source, 'migration-migrate-tables', options);
			if (timed.run.last.writePath !== 'receiver' || timed.run.last.collections.bench_items.created !== items) {
				throw new Error(`the first copy with the defaults: ${JSON.stringify(timed.run.last).slice(0, 1500)}`);
			}
			figures['firstCopyItemsPerSecond'] = items / timed.seconds;
			figures['firstCopySeconds'] = timed.seconds;
			// In ranges of keys: one DELETE of 50,000 keys passes SQLite's limit of bound values.
			for (let first = 1; first <= items; first += 10_000) {
				const range = { id: { _between: [first, first + 9_999] } };
				await pair.destination.api('DELETE', '/items/bench_items', { query: { filter: range, limit: -1 } });
			}
			if ((await pair.destination.api<unknown[]>('GET', '/items/bench_items?limit=1&fields=id')).length > 0) throw new Error('bench_items not emptied on the destination');
		}

		// The same copy again on fresh processes, both heaps after GC sampled every second: their memory
		// then reflects the migration, not the seeding or the copy before.
		await restart();
		const memoryAtStart = pair.source.peakMemoryBytes();
		const heap = await HeapProbe.connect(inspectPort);
		const destinationHeap = await HeapProbe.connect(destinationInspectPort);
		figures['sourceHeapBeforeBytes'] = await heap.heapAfterGc();
		figures['destinationHeapBeforeBytes'] = await destinationHeap.heapAfterGc();
		console.log('[bench] first copy through the receiver (both heaps after GC sampled every second)…');
		const copying = heap.peakWhile(timedFlow(pair.source, 'migration-migrate-tables', { ...options, writePath: 'receiver' }), 1000);
		const { result: sourceSide, peakBytes: destinationPeakBytes } = await destinationHeap.peakWhile(copying, 1000);
		const { result: sampled, peakBytes } = sourceSide;
		heap.close();
		destinationHeap.close();
		figures['sourceHeapPeakBytes'] = peakBytes;
		figures['destinationHeapPeakBytes'] = destinationPeakBytes;
		figures['sampledCopyItemsPerSecond'] = items / sampled.seconds;
		figures['sourcePeakMemoryBytes'] = pair.source.peakMemoryBytes();
		figures['sourceMemoryAtStartBytes'] = memoryAtStart;
		if (ONLY === 'memory') return figures;
		if (!withBaselines) {
			// Verify of a five times larger collection: what the per-run cost (the Flow, the plan) weighs at scale.
			const verified = await timedFlow(pair.source, 'migration-verify', { collections: ['bench_items'], batchSize: 1000 });
			if (verified.run.last.collections.bench_items.rows !== items) throw new Error('verify did not compare every item');
			figures['verifyItemsPerSecond'] = items / verified.seconds;
			figures['restReadItemsPerSecond'] = await restReadRate(pair.destination, 'bench_items');
			Object.assign(figures, await measureNoOpReruns(pair, items, options));
			return figures;
		}
		Object.assign(figures, await measureWritePaths(pair, items, options));
		if (ONLY === 'receiver') return figures;

		console.log('[bench] first copy again, restoring date_created (preserveAuthorship)…');
		await pair.destination.api('DELETE', '/items/bench_items', { query: { limit: -1 } });
		const restoring = await timedFlow(pair.source, 'migration-migrate-tables', { ...options, preserveAuthorship: true, writePath: 'rest' });
		figures['firstCopyWithAuthorshipItemsPerSecond'] = items / restoring.seconds;
		// Back to a copy made the default way (through the receiver, stamps exact): REST stamped its own
		// date_updated, which the receiver path compares and would rewrite once.
		await pair.destination.api('DELETE', '/items/bench_items', { query: { limit: -1 } });
		await timedFlow(pair.source, 'migration-migrate-tables', options);

		Object.assign(figures, await measureNoOpReruns(pair, items, options));

		console.log('[bench] verify with nothing changed, and the plain REST read of the same rows…');
		figures['restReadItemsPerSecond'] = await restReadRate(pair.destination, 'bench_items');
		// Through the receiver (checksums computed on the destination) and over REST (rows read and compared
		// on the source), the median of three runs each.
		for (const writePath of ['receiver', 'rest'] as const) {
			const rates: number[] = [];
			for (let repeat = 0; repeat < 3; repeat++) {
				const verified = await timedFlow(pair.source, 'migration-verify', { collections: ['bench_items'], batchSize: 1000, writePath });
				if (verified.run.last.collections.bench_items.rows !== items) throw new Error('verify did not compare every item');
				if (verified.run.last.writePath !== writePath) throw new Error(`verify asked for ${writePath} took ${verified.run.last.writePath}`);
				rates.push(items / verified.seconds);
			}
			figures[writePath === 'receiver' ? 'verifyItemsPerSecond' : 'verifyRestItemsPerSecond'] = median(rates);
		}

		console.log('[bench] incremental runs after changing 1%…');
		const changed = Math.max(1, Math.floor(items / 100));
		const incremental: number[] = [];
		const writtenCounts: number[] = [];
		for (let repeat = 0; repeat < 3; repeat++) {
			const keys = Array.from({ length: changed }, (_, index) => ((index * 97 + repeat * 13) % items) + 1);
			await pair.source.api('PATCH', '/items/bench_items?fields=id', { keys, data: { title: `Changed ${repeat}` } });
			const run = await timedFlow(pair.source, 'migration-migrate-tables', { ...options, updatedAfter: 'auto' });
			incremental.push(run.seconds);
			writtenCounts.push(run.run.last.collections.bench_items.created + run.run.last.collections.bench_items.updated);
		}
		figures['incrementalSeconds'] = median(incremental);
		figures['incrementalChangedItems'] = changed;
		figures['incrementalWrittenItems'] = median(writtenCounts);

		Object.assign(figures, await measureFiles(pair));
		return figures;
	} finally {
		await pair.stop();
	}
}

/**
 * Re-runs with nothing changed on either side, at this size: the default run (every row compared, by
 * checksums through the receiver) and an `updatedAfter: "auto"` run (the rows changed since the sync
 * marker, and the key walk for rows the destination lacks), the median of three each. A run moves the
 * marker to its plan time minus a 60 s safety margin: the bench lets 60 s pass after the last change
 * before the first auto run, as the interval of a cron Flow would.
 */
async function measureNoOpReruns(pair: Pair, items: number, options: Record<string, unknown>): Promise<Record<string, number>> {
	console.log(`[bench] re-runs with nothing changed at ${items} items (default, then auto after the marker's 60 s margin)…`);
	const timedNoOp = async (extra: Record<string, unknown>) => {
		const rerun = await timedFlow(pair.source, 'migration-migrate-tables', { ...options, ...extra });
		const tally = rerun.run.last.collections.bench_items;
		if (tally.created + tally.updated !== 0) throw new Error(`a re-run with nothing changed wrote ${tally.created + tally.updated} items`);
		return rerun;
	};
	const full: number[] = [];
	for (let repeat = 0; repeat < 3; repeat++) full.push((await timedNoOp({})).seconds);
	// The margin passes after the last change, then a first auto run leaves the marker past every row.
	await new Promise((resolve) => setTimeout(resolve, 61_000));
	await timedNoOp({ updatedAfter: 'auto' });
	const auto: number[] = [];
	for (let repeat = 0; repeat < 3; repeat++) {
		const rerun = await timedNoOp({ updatedAfter: 'auto' });
		if (rerun.run.last.collections.bench_items.unchanged !== 0) throw new Error('an auto re-run with nothing changed compared rows');
		auto.push(rerun.seconds);
	}
	return { noOpRerunSeconds: median(full), noOpAutoRerunSeconds: median(auto) };
}

/**
 * One large file: a plain streamed multipart upload of its bytes from this process (the baseline),
 * then migrate-tables moving it, with the source's resident memory sampled every 100 ms.
 */
async function measureLargeFile() {
	const pair = await startPair();
	try {
		console.log(`\n[bench] large file: ${LARGE_FILE_MB} MB generated into the source's storage…`);
		await createCollection(pair.source, 'bench_media', [integerKey, stringField('name')]);
		await pair.source.api('POST', '/fields/bench_media', { field: 'video', type: 'uuid', meta: { interface: 'file', special: ['file'] }, schema: {} });
		await pair.source.api('POST', '/relations', { collection: 'bench_media', field: 'video', related_collection: 'directus_files', schema: { on_delete: 'SET NULL' } });
		await timedFlow(pair.source, 'migration-schema-sync', { dryRun: false });
		const file = await generateStoredFile(pair.source, 'large', LARGE_FILE_MB * 1024 * 1024);
		await pair.source.api('POST', '/items/bench_media', { id: 1, name: 'large', video: file.id });

		console.log('[bench] large file: plain streamed upload (baseline)…');
		const boundary = `----bench-${randomBytes(8).toString('hex')}`;
		async function* body() {
			yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="baseline.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
			yield* createReadStream(join(pair.source.dir, 'uploads', `${file.id}.bin`));
			yield Buffer.from(`\r\n--${boundary}--\r\n`);
		}
		const startedAt = performance.now();
		const response = await fetch(`${pair.destination.url}/files?fields=id`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${pair.destination.token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
			body: Readable.toWeb(Readable.from(body())) as unknown as ReadableStream,
			duplex: 'half',
			redirect: 'error',
		} as RequestInit);
		const baselineSeconds = seconds(startedAt);
		if (!response.ok) throw new Error(`baseline upload: ${response.status} ${await response.text()}`);
		const baselineId = ((await response.json()) as { data: { id: string } }).data.id;
		await pair.destination.api('DELETE', `/files/${baselineId}`);

		console.log('[bench] large file: migrate-tables (source resident memory sampled every 100 ms)…');
		const { result, riseBytes } = await residentRiseWhile(pair.source, () => timedFlow(pair.source, 'migration-migrate-tables', { collections: ['bench_media'] }));
		if (result.run.last.files?.transferred !== 1) throw new Error(`large file not transferred: ${JSON.stringify(result.run.last).slice(0, 1500)}`);
		if ((await servedSha256(pair.destination, file.id)) !== file.sha256) throw new Error('the large file arrived with other bytes');
		const megabytes = file.size / 1e6;
		return {
			largeFileMB: LARGE_FILE_MB,
			baselineLargeFileMBPerSecond: Number((megabytes / baselineSeconds).toFixed(1)),
			largeFileMBPerSecond: Number((megabytes / (result.run.last.durationMs / 1000)).toFixed(1)),
			largeFileRatioToBaseline: Number((baselineSeconds / (result.run.last.durationMs / 1000)).toFixed(2)),
			largeFileSourceResidentRiseMB: Math.round(riseBytes / 1e6),
		};
	} finally {
		await pair.stop();
	}
}

if (ONLY === 'reruns') {
	const at = await measureAt(N, false);
	console.log(`\n| measure (${N} items, batch ${BATCH}, concurrency ${CONCURRENCY}) | result |\n|---|---|`);
	console.log(`| first copy | ${at['firstCopySeconds']!.toFixed(2)} s |`);
	console.log(`| re-run, nothing changed | ${at['noOpRerunSeconds']!.toFixed(2)} s = ${(at['noOpRerunSeconds']! / at['firstCopySeconds']!).toFixed(3)} × first copy |`);
	console.log(`| auto re-run, nothing changed | ${at['noOpAutoRerunSeconds']!.toFixed(2)} s = ${(at['noOpAutoRerunSeconds']! / at['firstCopySeconds']!).toFixed(3)} × first copy |`);
	process.exit(0);
}
if (ONLY === 'files') {
	const pair = await startPair();
	try {
		console.log(`\n[bench] seeding ${FILES} files…`);
		await seed(pair, 10, FILES);
		const at = await measureFiles(pair);
		const ratio = (rate: number | undefined) => (rate! / at['baselineFilesMBPerSecond']!).toFixed(2);
		console.log(`\n| measure (${FILES} files of ${FILE_BYTES / 1024} KB, concurrency ${CONCURRENCY}) | result |\n|---|---|`);
		console.log(`| files: plain uploads (baseline) | ${at['baselineFilesMBPerSecond']!.toFixed(1)} MB/s |`);
		console.log(`| files: transfer-files through the receiver | ${at['filesMBPerSecond']!.toFixed(1)} MB/s = ${ratio(at['filesMBPerSecond'])} × baseline |`);
		console.log(`| files: transfer-files over REST | ${at['filesRestMBPerSecond']!.toFixed(1)} MB/s = ${ratio(at['filesRestMBPerSecond'])} × baseline |`);
		console.log(`| files: first receiver run after a REST copy (bytes compared by sha256, stamps put back) | ${at['filesAfterRestSeconds']!.toFixed(2)} s |`);
		console.log(`| files: re-run through the receiver, nothing changed | ${at['filesRerunSeconds']!.toFixed(2)} s |`);
	} finally {
		await pair.stop();
	}
	process.exit(0);
}
if (ONLY === 'receiver') {
	const at = await measureAt(N, true);
	const ratio = (rate: number | null | undefined) => (rate ? (rate / at['baselineItemsPerSecond']!).toFixed(2) : '–');
	console.log(`\n| measure (${N} items, batch ${BATCH}, concurrency ${CONCURRENCY}) | result |\n|---|---|`);
	console.log(`| plain REST bulk create (baseline) | ${at['baselineItemsPerSecond']!.toFixed(0)} items/s |`);
	console.log(`| first copy through the receiver (target ≥ 5 × baseline) | ${at['receiverFirstCopyItemsPerSecond']!.toFixed(0)} items/s = ${ratio(at['receiverFirstCopyItemsPerSecond'])} × baseline |`);
	console.log(`| first copy through REST | ${at['restFirstCopyItemsPerSecond']!.toFixed(0)} items/s = ${ratio(at['restFirstCopyItemsPerSecond'])} × baseline |`);
	console.log(`| ${AUDIT_ROWS_LABEL} | ${at['restAuditRowsPer10k']} / ${at['receiverAuditRowsPer10k']} |`);
	process.exit(0);
}
if (ONLY === 'memory') {
	const at = await measureAt(N, false);
	const atFive = await measureAt(5 * N, false);
	const memory = {
		date: new Date().toISOString(),
		items: N,
		...heapFigures(at, atFive),
		firstCopyItemsPerSecond: { [N]: Math.round(at['sampledCopyItemsPerSecond']!), [5 * N]: Math.round(atFive['sampledCopyItemsPerSecond']!) },
	};
	console.log('\n| measure | result |\n|---|---|');
	for (const [measure, result] of heapRows(memory)) console.log(`| ${measure} | ${result} |`);
	console.log(`| first copy through the receiver at ${N} / ${5 * N} items, heaps sampled every second | ${memory.firstCopyItemsPerSecond[N]} / ${memory.firstCopyItemsPerSecond[5 * N]} items/s |`);
	mkdirSync(join(PROJECT_ROOT, 'bench'), { recursive: true });
	writeFileSync(join(PROJECT_ROOT, 'bench/memory.json'), `${JSON.stringify(memory, null, 2)}\n`);
	console.log('\nWritten to bench/memory.json');
	process.exit(0);
}
const largeFile = await measureLargeFile();
const largeFileRows: [string, string][] = [
	[`large file (${largeFile.largeFileMB} MB): plain streamed upload (baseline)`, `${largeFile.baselineLargeFileMBPerSecond} MB/s`],
	[
		`large file (${largeFile.largeFileMB} MB): migrate-tables`,
		`${largeFile.largeFileMBPerSecond} MB/s = ${largeFile.largeFileRatioToBaseline} × baseline; source resident memory +${largeFile.largeFileSourceResidentRiseMB} MB`,
	],
];
if (ONLY === 'large-file') {
	console.log('\n| measure | result |\n|---|---|');
	for (const [measure, result] of largeFileRows) console.log(`| ${measure} | ${result} |`);
	mkdirSync(join(PROJECT_ROOT, 'bench'), { recursive: true });
	writeFileSync(join(PROJECT_ROOT, 'bench/large-file.json'), `${JSON.stringify({ date: new Date().toISOString(), ...largeFile }, null, 2)}\n`);
	console.log('\nWritten to bench/large-file.json');
	process.exit(0);
}

const at = await measureAt(N, true);
const atFive = await measureAt(5 * N, false);
const round = (value: number | null | undefined, digits = 2) => (value === null || value === undefined ? null : Number(value.toFixed(digits)));
const results = {
	date: new Date().toISOString(),
	machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
	directus: '12.3.1 (SQLite, both instances on this machine)',
	items: N,
	batchSize: BATCH,
	concurrency: CONCURRENCY,
	baselineItemsPerSecond: round(at['baselineItemsPerSecond'], 0),
	firstCopyItemsPerSecond: round(at['firstCopyItemsPerSecond'], 0),
	firstCopyRatioToBaseline: round(at['firstCopyItemsPerSecond']! / at['baselineItemsPerSecond']!),
	receiverFirstCopyItemsPerSecond: round(at['receiverFirstCopyItemsPerSecond'], 0),
	receiverFirstCopyRatioToBaseline: round(at['receiverFirstCopyItemsPerSecond']! / at['baselineItemsPerSecond']!),
	restFirstCopyItemsPerSecond: round(at['restFirstCopyItemsPerSecond'], 0),
	restFirstCopyRatioToBaseline: round(at['restFirstCopyItemsPerSecond']! / at['baselineItemsPerSecond']!),
	restAuditRowsPer10k: round(at['restAuditRowsPer10k'], 0),
	receiverAuditRowsPer10k: round(at['receiverAuditRowsPer10k'], 0),
	firstCopyWithAuthorshipItemsPerSecond: round(at['firstCopyWithAuthorshipItemsPerSecond'], 0),
	firstCopyWithAuthorshipRatioToBaseline: round(at['firstCopyWithAuthorshipItemsPerSecond']! / at['baselineItemsPerSecond']!),
	noOpRerunSeconds: round(at['noOpRerunSeconds']),
	noOpRerunToFirstCopy: round(at['noOpRerunSeconds']! / at['firstCopySeconds']!, 3),
	noOpAutoRerunSeconds: round(at['noOpAutoRerunSeconds']),
	noOpAutoRerunToFirstCopy: round(at['noOpAutoRerunSeconds']! / at['firstCopySeconds']!, 3),
	incrementalSeconds: round(at['incrementalSeconds']),
	incrementalChangedItems: at['incrementalChangedItems'],
	incrementalWrittenItems: at['incrementalWrittenItems'],
	restReadItemsPerSecond: round(at['restReadItemsPerSecond'], 0),
	verifyItemsPerSecond: round(at['verifyItemsPerSecond'], 0),
	verifyRatioToRestRead: round(at['verifyItemsPerSecond']! / at['restReadItemsPerSecond']!),
	verifyRestItemsPerSecond: round(at['verifyRestItemsPerSecond'], 0),
	verifyRestRatioToRestRead: round(at['verifyRestItemsPerSecond']! / at['restReadItemsPerSecond']!),
	filesTransferred: at['filesTransferred'],
	baselineFilesMBPerSecond: round(at['baselineFilesMBPerSecond'], 1),
	filesMBPerSecond: round(at['filesMBPerSecond'], 1),
	filesRatioToBaseline: round(at['filesMBPerSecond']! / at['baselineFilesMBPerSecond']!),
	filesRestMBPerSecond: round(at['filesRestMBPerSecond'], 1),
	filesRestRatioToBaseline: round(at['filesRestMBPerSecond']! / at['baselineFilesMBPerSecond']!),
	filesRerunSeconds: round(at['filesRerunSeconds']),
	sourcePeakMemoryMB: { [N]: mb(at['sourcePeakMemoryBytes']), [5 * N]: mb(atFive['sourcePeakMemoryBytes']) },
	sourceMemoryAtStartMB: { [N]: mb(at['sourceMemoryAtStartBytes']), [5 * N]: mb(atFive['sourceMemoryAtStartBytes']) },
	...heapFigures(at, atFive),
	firstCopyItemsPerSecondAt5N: round(atFive['firstCopyItemsPerSecond'], 0),
	verifyItemsPerSecondAt5N: round(atFive['verifyItemsPerSecond'], 0),
	verifyRatioToRestReadAt5N: round(atFive['verifyItemsPerSecond']! / atFive['restReadItemsPerSecond']!),
	noOpRerunSecondsAt5N: round(atFive['noOpRerunSeconds']),
	noOpRerunToFirstCopyAt5N: round(atFive['noOpRerunSeconds']! / atFive['firstCopySeconds']!, 3),
	noOpAutoRerunSecondsAt5N: round(atFive['noOpAutoRerunSeconds']),
	noOpAutoRerunToFirstCopyAt5N: round(atFive['noOpAutoRerunSeconds']! / atFive['firstCopySeconds']!, 3),
	...largeFile,
};

const rows: [string, string][] = [
	['plain REST bulk create (baseline)', `${results.baselineItemsPerSecond} items/s`],
	['first copy (migrate-tables in a Flow, defaults)', `${results.firstCopyItemsPerSecond} items/s = ${results.firstCopyRatioToBaseline} × baseline`],
	['first copy through the receiver (target ≥ 5 × baseline)', `${results.receiverFirstCopyItemsPerSecond} items/s = ${results.receiverFirstCopyRatioToBaseline} × baseline`],
	['first copy through REST (writePath "rest")', `${results.restFirstCopyItemsPerSecond} items/s = ${results.restFirstCopyRatioToBaseline} × baseline`],
	[AUDIT_ROWS_LABEL, `${results.restAuditRowsPer10k} / ${results.receiverAuditRowsPer10k}`],
	[
		'first copy restoring date_created (preserveAuthorship)',
		`${results.firstCopyWithAuthorshipItemsPerSecond} items/s = ${results.firstCopyWithAuthorshipRatioToBaseline} × baseline`,
	],
	['re-run, nothing changed: every row compared (target ≤ 0.05 × first copy)', `${results.noOpRerunSeconds} s = ${results.noOpRerunToFirstCopy} × first copy`],
	['re-run, nothing changed: updatedAfter "auto"', `${results.noOpAutoRerunSeconds} s = ${results.noOpAutoRerunToFirstCopy} × first copy`],
	['incremental (auto) after changing 1%', `${results.incrementalSeconds} s, ${results.incrementalWrittenItems} written of ${results.incrementalChangedItems} changed`],
	['plain REST read of the same items (1000 a page)', `${results.restReadItemsPerSecond} items/s`],
	['verify through the receiver, nothing changed (target ≥ 20,000 items/s)', `${results.verifyItemsPerSecond} items/s = ${results.verifyRatioToRestRead} × plain REST read`],
	['verify over REST (writePath "rest"), nothing changed', `${results.verifyRestItemsPerSecond} items/s = ${results.verifyRestRatioToRestRead} × plain REST read`],
	['files: plain uploads (baseline)', `${results.baselineFilesMBPerSecond} MB/s`],
	['files: transfer-files through the receiver', `${results.filesMBPerSecond} MB/s = ${results.filesRatioToBaseline} × baseline (${results.filesTransferred} files)`],
	['files: transfer-files over REST (writePath "rest")', `${results.filesRestMBPerSecond} MB/s = ${results.filesRestRatioToBaseline} × baseline`],
	['files: re-run through the receiver, nothing changed', `${results.filesRerunSeconds} s`],
	...heapRows(results),
	[`source peak RSS at ${N} / ${5 * N} items`, `${results.sourcePeakMemoryMB[N]} MB / ${results.sourcePeakMemoryMB[5 * N]} MB`],
	[`first copy at ${5 * N} items`, `${results.firstCopyItemsPerSecondAt5N} items/s`],
	[`re-run at ${5 * N} items, nothing changed: every row compared / updatedAfter "auto"`, `${results.noOpRerunSecondsAt5N} s = ${results.noOpRerunToFirstCopyAt5N} × / ${results.noOpAutoRerunSecondsAt5N} s = ${results.noOpAutoRerunToFirstCopyAt5N} × first copy`],
	[`verify at ${5 * N} items, nothing changed (one run)`, `${results.verifyItemsPerSecondAt5N} items/s = ${results.verifyRatioToRestReadAt5N} × plain REST read of the same ${5 * N}`],
	...largeFileRows,
];
console.log(`\n${results.date} · ${results.machine} · Directus ${results.directus} · ${N} items, batch ${BATCH}, concurrency ${CONCURRENCY}\n`);
console.log('| measure | result |\n|---|---|');
for (const [measure, result] of rows) console.log(`| ${measure} | ${result} |`);
mkdirSync(join(PROJECT_ROOT, 'bench'), { recursive: true });
writeFileSync(join(PROJECT_ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('\nWritten to bench/results.json');
