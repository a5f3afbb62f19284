import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { differences, STAMPED_ON_UPDATE } from '../harness/compare.ts';
import { uploadFile } from '../harness/content-fixtures.ts';
import { FaultProxy, type Faults } from '../harness/fault-proxy.ts';
import { withFlow } from '../harness/flows.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { createCollection, createManyToOne, integerKey, stringField } from '../harness/schema-fixtures.ts';

const ITEMS = 2500;
const FILES = 8;
let pair: Pair;
let proxy: FaultProxy;

const migrateThroughProxy = (options: Record<string, unknown> = {}) =>
	withFlow(
		pair.source,
		[{ key: 'migrate', type: 'migration-migrate-tables', options: { destinationUrl: proxy.url, collections: ['parts', 'assemblies'], ...options } }],
		(flow) => flow.trigger(),
	);

async function expectDestinationEqualsSource() {
	for (const collection of ['parts', 'assemblies']) {
		expect(await differences(pair.source, pair.destination, collection, { ignore: [...STAMPED_ON_UPDATE, 'date_created', 'user_created'] }), collection).toEqual([]);
	}
	const files = await pair.destination.api<{ id: string }[]>('GET', '/files?limit=-1&fields=id');
	expect(files).toHaveLength(FILES);
}

beforeAll(async () => {
	pair = await startPair();
	await createCollection(pair.source, 'parts', [integerKey, stringField('name'), { field: 'spec', type: 'json', meta: { interface: 'input-code' }, schema: {} }]);
	await createCollection(pair.source, 'assemblies', [integerKey, stringField('label')]);
	await createManyToOne(pair.source, 'assemblies', 'part', 'parts');
	await pair.source.api('POST', '/fields/assemblies', { field: 'drawing', type: 'uuid', meta: { interface: 'file', special: ['file'] }, schema: {} });
	await pair.source.api('POST', '/relations', { collection: 'assemblies', field: 'drawing', related_collection: 'directus_files', schema: { on_delete: 'SET NULL' } });
	for (let start = 0; start < ITEMS; start += 500) {
		await pair.source.api('POST', '/items/parts?fields=id', Array.from({ length: 500 }, (_, index) => ({ name: `Part ${start + index}`, spec: { size: start + index } })));
	}
	const drawings: string[] = [];
	for (let index = 0; index < FILES; index++) drawings.push(await uploadFile(pair.source, `drawing-${index}`, 50_000));
	await pair.source.api('POST', '/items/assemblies?fields=id', Array.from({ length: 300 }, (_, index) => ({ label: `A${index}`, part: index + 1, drawing: drawings[index % FILES] })));
	const schema = await withFlow(pair.source, [{ key: 'schema', type: 'migration-schema-sync', options: { dryRun: false } }], (flow) => flow.trigger());
	expect(schema.resolved).toBe(true);
	proxy = await new FaultProxy(pair.destination.url).start();
});
afterAll(async () => {
	await proxy?.stop();
	await pair?.stop();
});

beforeEach(async () => {
	// Each scenario starts from an empty destination, so that its faults hit writes too.
	proxy.faults = {};
	await pair.destination.api('DELETE', '/items/assemblies', { query: { limit: -1 } });
	await pair.destination.api('DELETE', '/items/parts', { query: { limit: -1 } });
	const files = await pair.destination.api<{ id: string }[]>('GET', '/files?limit=-1&fields=id');
	if (files.length > 0) await pair.destination.api('DELETE', '/files', files.map((file) => file.id));
});

describe('a migration through a faulty connection', () => {
	const scenarios: [string, Faults][] = [
		['503 answers with Retry-After on every 7th request', { failEvery: 7, status: 503, retryAfterSeconds: 0 }],
		['429 answers with Retry-After on every 5th request', { failEvery: 5, status: 429, retryAfterSeconds: 1 }],
		['connections reset before every 9th request reaches the destination', { resetEvery: 9 }],
		['answers lost after the destination handled every 8th request', { loseAnswerEvery: 8 }],
		['150 ms of latency on every request', { latencyMs: 150 }],
	];

	it.each(scenarios)('completes with %s: equal data, no duplicates, retries counted', async (_name, faults) => {
		proxy.faults = faults;
		const run = await migrateThroughProxy();
		expect(run.resolved, JSON.stringify(run.last).slice(0, 1500)).toBe(true);
		expect(run.last.collections.parts).toMatchObject({ created: ITEMS, failed: 0 });
		expect(run.last.files).toMatchObject({ transferred: FILES, failed: 0 });
		if (!faults.latencyMs) expect(run.last.requests.retries).toBeGreaterThan(0);
		expect(run.last.requests.retries).toBeLessThan(run.last.requests.requests);
		await expectDestinationEqualsSource();
	});

	it('rides out a destination that goes away for a few seconds', async () => {
		// Slowed down, so that the run (fast through the receiver) is still going when the destination goes away.
		proxy.faults = { latencyMs: 100 };
		const run = migrateThroughProxy({ retries: 6 });
		await new Promise((resolve) => setTimeout(resolve, 1500));
		await proxy.goAway();
		await new Promise((resolve) => setTimeout(resolve, 3000));
		await proxy.start();
		const result = await run;
		proxy.faults = {};
		expect(result.resolved, JSON.stringify(result.last).slice(0, 1500)).toBe(true);
		expect(result.last.requests.retries).toBeGreaterThan(0);
		await expectDestinationEqualsSource();
	});

	it('rejects clearly when the destination stays down past the retry budget, and a second run completes the job', async () => {
		proxy.faults = { failEvery: 1, status: 503 };
		const startedAt = Date.now();
		const run = await migrateThroughProxy({ retries: 2 });
		expect(run.resolved).toBe(false);
		expect(run.last).toMatchObject({ code: 'DESTINATION_UNAVAILABLE', status: 503, ok: false });
		expect(run.last.requests).toEqual({ requests: 3, retries: 2 });
		expect(Date.now() - startedAt).toBeLessThan(20_000);

		proxy.faults = {};
		const again = await migrateThroughProxy();
		expect(again.resolved, JSON.stringify(again.last).slice(0, 1500)).toBe(true);
		await expectDestinationEqualsSource();
	});
});
