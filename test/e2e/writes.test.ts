import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { uploadFile } from '../harness/content-fixtures.ts';
import { FaultProxy } from '../harness/fault-proxy.ts';
import { withFlow } from '../harness/flows.ts';
import { LEASE_KEY_PREFIX } from '../../src/lib/lease/records.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { createCollection, createManyToOne, integerKey, stringField } from '../harness/schema-fixtures.ts';

/**
 * Writes that are safe to retry (a lost answer never becomes a failure or a duplicate), deletions that
 * respect the destination's limits and refuse an accidental wipe, and files whose bytes changed at
 * equal length. The destination caps queries at 500 rows (QUERY_LIMIT_MAX), as some installs do.
 */
const THINGS = 1200;
let pair: Pair;
let proxy: FaultProxy;

const run = (type: string, options: Record<string, unknown>) => withFlow(pair.source, [{ key: 'step', type, options }], (flow) => flow.trigger());
/** Rows on the destination, counted by the database (a `limit=-1` read is cut at QUERY_LIMIT_MAX). */
const count = async (path: string) => Number((await pair.destination.api<{ count: number | string }[]>('GET', `${path}${path.includes('?') ? '&' : '?'}aggregate[count]=*`))[0]!.count);

beforeAll(async () => {
	pair = await startPair({ destinationEnv: { QUERY_LIMIT_MAX: '500' } });
	proxy = await new FaultProxy(pair.destination.url).start();
	await createCollection(pair.source, 'things', [integerKey, stringField('name')]);
	await createCollection(pair.source, 'holders', [integerKey, stringField('label')]);
	await createManyToOne(pair.source, 'holders', 'thing', 'things', { onDelete: 'NO ACTION' });
	await createCollection(pair.source, 'docs', [integerKey, stringField('title')]);
	await pair.source.api('POST', '/fields/docs', { field: 'attachment', type: 'uuid', meta: { interface: 'file', special: ['file'] }, schema: {} });
	await pair.source.api('POST', '/relations', { collection: 'docs', field: 'attachment', related_collection: 'directus_files', schema: { on_delete: 'SET NULL' } });
	for (let start = 0; start < THINGS; start += 500) {
		await pair.source.api('POST', '/items/things?fields=id', Array.from({ length: Math.min(500, THINGS - start) }, (_, index) => ({ name: `Thing ${start + index + 1}` })));
	}
});
afterAll(async () => {
	await proxy?.stop();
	await pair?.stop();
});
beforeEach(() => {
	proxy.faults = {};
	proxy.counts.answersLost = 0;
});

describe('a write whose answer is lost', () => {
	it('a schema apply whose answer is lost is reported applied, not SCHEMA_CHANGED', async () => {
		proxy.faults = { loseAnswerOf: { method: 'POST', path: /^\/schema\/apply/, times: 1 } };
		const sync = await run('migration-schema-sync', { destinationUrl: proxy.url, dryRun: false });
		expect(sync.resolved, JSON.stringify(sync.last).slice(0, 1500)).toBe(true);
		expect(sync.last).toMatchObject({ ok: true, applied: true });
		expect(proxy.counts.answersLost).toBe(1);
		const again = await run('migration-schema-sync', { dryRun: true });
		expect(again.last.inSync).toBe(true);
	});

	it('system rows whose create answers are lost are written once, not reported as failures', async () => {
		// The destination's own preset takes id 1, so the source's preset 1 is created under a new id.
		await pair.destination.api('POST', '/presets', { bookmark: 'Destination own view', collection: 'directus_files' });
		await pair.source.api('POST', '/presets', { bookmark: 'Shared view', collection: 'directus_users' });
		await pair.source.api('POST', '/presets', { bookmark: 'Migration sync marker from elsewhere (used by updatedAfter: auto; do not edit)', collection: 'directus_presets' });
		await pair.source.api('POST', '/translations', [
			{ key: 'greeting', language: 'en-US', value: 'Hello' },
			{ key: 'greeting', language: 'de-DE', value: 'Hallo' },
			{ key: 'farewell', language: 'en-US', value: 'Bye' },
		]);
		const job = await pair.source.api<{ id: string }>('POST', '/flows', { name: 'Copied job', status: 'active', trigger: 'webhook', options: { method: 'GET' } });

		// The first lost answer is the run's lease (a translation row it creates first), the next two are rows it copies.
		proxy.faults = { loseAnswerOf: { method: 'POST', path: /^\/(translations|presets)(\?|$)/, times: 3 } };
		const system = await run('migration-system', { destinationUrl: proxy.url, dryRun: false, scope: ['translations', 'presets', 'flows'], writePath: 'rest' });
		await pair.source.api('DELETE', `/flows/${job.id}`);
		expect(system.resolved, JSON.stringify(system.last).slice(0, 2000)).toBe(true);
		expect(proxy.counts.answersLost).toBe(3);
		expect(system.last.scopes.translations).toMatchObject({ created: 3, failed: 0 });
		expect(system.last.scopes.presets).toMatchObject({ created: 1, failed: 0 });

		expect(await count(`/translations?filter[key][_nstarts_with]=${LEASE_KEY_PREFIX}`)).toBe(3);
		const presets = await pair.destination.api<{ bookmark: string }[]>('GET', '/presets?limit=-1&fields=bookmark&sort=id');
		expect(presets.map((preset) => preset.bookmark)).toEqual(['Destination own view', 'Shared view']);
		const flow = await pair.destination.api<{ status: string }>('GET', `/flows/${job.id}?fields=status`);
		expect(flow.status).toBe('inactive');
	});

	it('the sync marker is created once and moved although the answers to its POST, then its PATCH, are lost', async () => {
		for (const instance of [pair.source, pair.destination]) await createCollection(instance, 'notes', [integerKey, stringField('text')]);
		await pair.source.api('POST', '/items/notes', [{ text: 'one' }, { text: 'two' }]);
		const markers = () =>
			pair.destination.api<{ layout_options: { migrationSync: { watermarks: Record<string, string> } } }[]>(
				'GET',
				`/presets?limit=-1&fields=layout_options&filter[bookmark][_starts_with]=${encodeURIComponent('Migration sync marker from')}`,
			);

		proxy.faults = { loseAnswerOf: { method: 'POST', path: /^\/presets(\?|$)/, times: 1 } };
		const first = await run('migration-migrate-tables', { destinationUrl: proxy.url, collections: ['notes'] });
		expect(first.resolved, JSON.stringify(first.last).slice(0, 1500)).toBe(true);
		expect(proxy.counts.answersLost).toBe(1);
		const created = await markers();
		expect(created).toHaveLength(1);

		await new Promise((resolve) => setTimeout(resolve, 1100));
		// A run that writes moves the marker (one that writes nothing leaves it where it is).
		await pair.source.api('POST', '/items/notes', [{ text: 'three' }]);
		proxy.faults = { loseAnswerOf: { method: 'PATCH', path: /^\/presets\/\d+/, times: 1 } };
		proxy.counts.answersLost = 0;
		const second = await run('migration-migrate-tables', { destinationUrl: proxy.url, collections: ['notes'] });
		expect(second.resolved, JSON.stringify(second.last).slice(0, 1500)).toBe(true);
		expect(proxy.counts.answersLost).toBe(1);
		const moved = await markers();
		expect(moved).toHaveLength(1);
		expect(moved[0]!.layout_options.migrationSync.watermarks['notes']! > created[0]!.layout_options.migrationSync.watermarks['notes']!).toBe(true);
	});
});

describe('deleteMissing', () => {
	it('pages within the destination’s QUERY_LIMIT_MAX, and a row refused by a foreign key fails alone', async () => {
		const first = await run('migration-migrate-tables', { collections: ['things'], batchSize: 1000 });
		expect(first.resolved, JSON.stringify(first.last).slice(0, 1500)).toBe(true);
		expect(first.last.collections.things).toMatchObject({ created: THINGS, failed: 0 });
		const second = await run('migration-migrate-tables', { collections: ['things'], batchSize: 1000 });
		expect(second.last.collections.things).toMatchObject({ created: 0, updated: 0, unchanged: THINGS });

		// A destination row still points at thing 5: deleting it is refused by the foreign key.
		await pair.destination.api('POST', '/items/holders', { label: 'keeps 5', thing: 5 });
		await pair.source.api('DELETE', '/items/things', Array.from({ length: 100 }, (_, index) => index + 1));
		const deleting = await run('migration-migrate-tables', { collections: ['things'], deleteMissing: true });
		expect(deleting.resolved).toBe(false);
		expect(deleting.last).toMatchObject({ code: 'ITEMS_FAILED' });
		expect(deleting.last.collections.things).toMatchObject({ deleted: 99, failed: 1 });
		expect(deleting.last.failures.items).toEqual([expect.objectContaining({ collection: 'things', key: 5 })]);
		expect(await count('/items/things')).toBe(THINGS - 99);
	});

	it('refuses, before deleting anything, to delete more than maxDeleteShare of a collection', async () => {
		await pair.source.api('DELETE', '/items/things', { query: { limit: -1 } });
		const before = await count('/items/things');
		const guarded = await run('migration-migrate-tables', { collections: ['things'], deleteMissing: true });
		expect(guarded.resolved).toBe(false);
		expect(guarded.last).toMatchObject({ code: 'DELETE_GUARD', details: { maxDeleteShare: 0.5, collections: [{ collection: 'things', rows: before, missing: before }] } });
		expect(guarded.last.message).toContain('maxDeleteShare');
		expect(await count('/items/things')).toBe(before);

		const allowed = await run('migration-migrate-tables', { collections: ['things'], deleteMissing: true, maxDeleteShare: 1 });
		expect(allowed.last.collections.things).toMatchObject({ deleted: before - 1, failed: 1 });
		expect(await count('/items/things')).toBe(1);
	});
});

describe('files', () => {
	it('re-sends a file whose bytes changed at the same length', async () => {
		const id = await uploadFile(pair.source, 'a', 10_000);
		await pair.source.api('POST', '/items/docs', { title: 'Doc', attachment: id });
		const first = await run('migration-migrate-tables', { collections: ['docs'] });
		expect(first.resolved, JSON.stringify(first.last).slice(0, 1500)).toBe(true);
		expect(first.last.files).toMatchObject({ transferred: 1, failed: 0 });

		await new Promise((resolve) => setTimeout(resolve, 1100));
		const form = new FormData();
		form.append('file', new Blob([Buffer.alloc(10_000, 'b')], { type: 'text/plain' }), 'a.txt');
		const replaced = await fetch(`${pair.source.url}/files/${id}`, { method: 'PATCH', headers: { Authorization: `Bearer ${pair.source.token}` }, body: form });
		expect(replaced.ok).toBe(true);

		const second = await run('migration-migrate-tables', { collections: ['docs'] });
		expect(second.resolved, JSON.stringify(second.last).slice(0, 1500)).toBe(true);
		expect(second.last.files).toMatchObject({ transferred: 1, failed: 0 });
		const bytes = await fetch(`${pair.destination.url}/assets/${id}`, { headers: { Authorization: `Bearer ${pair.destination.token}` } });
		expect(Buffer.from(await bytes.arrayBuffer()).equals(Buffer.alloc(10_000, 'b'))).toBe(true);
	});

	it('a refused metadata update is counted as a failed file and the run rejects with FILES_FAILED', async () => {
		const [doc] = await pair.source.api<{ attachment: string }[]>('GET', '/items/docs?fields=attachment&limit=1');
		await pair.source.api('PATCH', `/files/${doc!.attachment}`, { description: 'Described on the source' });
		// Over REST (through the receiver, metadata is written by its files-metadata route: receiver-files.test.ts).
		proxy.faults = { failOf: { method: 'PATCH', path: /^\/files\?/, status: 400, times: 5 } };
		const refused = await run('migration-migrate-tables', { destinationUrl: proxy.url, collections: ['docs'], writePath: 'rest' });
		expect(refused.resolved).toBe(false);
		expect(refused.last).toMatchObject({ code: 'FILES_FAILED', files: { failed: 1 } });
		expect(refused.last.failures.files).toEqual([expect.objectContaining({ id: doc!.attachment })]);
	});
});

describe('a 500 answer to a write', () => {
	it('fails the rows it was about, as in system runs, and the rest of the run goes on', async () => {
		await pair.source.api('POST', '/items/docs', [{ title: 'Second' }, { title: 'Third' }]);
		// The same rule whichever transport carries the batch (REST, or the receiver on the destination).
		proxy.faults = { failOf: { method: 'POST', path: /^\/(migration-receiver\/)?items\/docs(\?|$)/, status: 500, times: 2 } };
		const failed = await run('migration-migrate-tables', { destinationUrl: proxy.url, collections: ['docs'] });
		expect(failed.resolved).toBe(false);
		expect(failed.last).toMatchObject({ code: 'ITEMS_FAILED' });
		// The batch of two is refused, then the first row alone (refused again); the second is written.
		expect(failed.last.collections.docs).toMatchObject({ created: 1, failed: 1 });
		const again = await run('migration-migrate-tables', { collections: ['docs'] });
		expect(again.resolved, JSON.stringify(again.last).slice(0, 1500)).toBe(true);
		expect(await count('/items/docs')).toBe(3);
	});
});
