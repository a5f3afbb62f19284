import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFlow } from '../harness/flows.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import {
	collectionNames,
	createBlogSchema,
	createCollection,
	fieldNames,
	integerKey,
	stringField,
} from '../harness/schema-fixtures.ts';
import { placesHoldingSecret } from '../harness/secrets.ts';

let pair: Pair;
const runSync = (options: Record<string, unknown> = {}) =>
	withFlow(pair.source, [{ key: 'sync', type: 'migration-schema-sync', options }], (flow) => flow.trigger());
const destinationSnapshot = () => pair.destination.api('GET', '/schema/snapshot');

beforeAll(async () => {
	pair = await startPair();
	await createBlogSchema(pair.source);
});
afterAll(async () => {
	await pair?.stop();
});

describe('migration-schema-sync', () => {
	it('dry run lists new collections, M2O, O2M, M2M and a singleton, and changes nothing', async () => {
		const before = await destinationSnapshot();
		const run = await runSync();
		expect(run.resolved, JSON.stringify(run.last)).toBe(true);
		const report = run.last;
		expect(report).toMatchObject({ operation: 'migration-schema-sync', ok: true, dryRun: true, mode: 'merge', inSync: false, applied: false });
		expect(typeof report.hash).toBe('string');
		for (const collection of ['authors', 'tags', 'articles', 'articles_tags', 'site_settings']) {
			expect(report.collections[collection]?.change, collection).toBe('create');
		}
		expect(report.collections.articles.fields.create).toEqual(
			expect.arrayContaining(['id', 'title', 'author', 'tags', 'metadata', 'date_created']),
		);
		expect(report.collections.authors.fields.create).toContain('articles');
		expect(report.collections.articles.relations.create.sort()).toEqual(['author → authors', 'user_created → directus_users', 'user_updated → directus_users']);
		expect(report.collections.articles_tags.relations.create.sort()).toEqual(['articles_id → articles', 'tags_id → tags']);
		expect(report.counts.collections).toEqual({ create: 5, update: 0, delete: 0 });
		expect(report.counts.relations).toEqual({ create: 5, update: 0, delete: 0 });
		expect(await destinationSnapshot()).toEqual(before);
	});

	it('a collection scope syncs only what it names (and reports relations leaving it)', async () => {
		const run = await runSync({ collections: 'articles,authors' });
		expect(Object.keys(run.last.collections).sort()).toEqual(['articles', 'authors']);
		expect(run.last.collections.articles.fields.create).toContain('tags');

		const excluded = await runSync({ excludeCollections: ['site_settings'] });
		expect(Object.keys(excluded.last.collections)).not.toContain('site_settings');
		expect(excluded.last.warnings).toEqual([]);

		const tagsOnly = await runSync({ collections: ['articles_tags'] });
		expect(tagsOnly.last.warnings.map((warning: { code: string }) => warning.code)).toEqual([
			'RELATED_OUT_OF_SCOPE',
			'RELATED_OUT_OF_SCOPE',
		]);
	});

	it('applies the changes, after which the destination schema matches and a second run has nothing to do', async () => {
		const applied = await runSync({ dryRun: false });
		expect(applied.resolved, JSON.stringify(applied.last)).toBe(true);
		expect(applied.last).toMatchObject({ dryRun: false, applied: true, inSync: false });
		expect(applied.last.remaining).toEqual({
			collections: { create: 0, update: 0, delete: 0 },
			fields: { create: 0, update: 0, delete: 0 },
			relations: { create: 0, update: 0, delete: 0 },
			systemFields: 0,
		});
		expect(await collectionNames(pair.destination)).toEqual(['articles', 'articles_tags', 'authors', 'site_settings', 'tags']);
		const singleton = await pair.destination.api('GET', '/collections/site_settings');
		expect(singleton.meta.singleton).toBe(true);

		const again = await runSync({ dryRun: 'false' });
		expect(again.last).toMatchObject({ inSync: true, applied: false, hash: null });
		expect(again.last.collections).toEqual({});
	});

	it('merge mode never deletes on the destination; mirror deletes only within its scope', async () => {
		await createCollection(pair.destination, 'destination_only', [integerKey, stringField('note')]);
		await pair.destination.api('POST', '/fields/authors', stringField('destination_note'));

		const merge = await runSync({ dryRun: false });
		expect(merge.last.inSync).toBe(true);
		expect(await collectionNames(pair.destination)).toContain('destination_only');
		expect(await fieldNames(pair.destination, 'authors')).toContain('destination_note');

		const mirrorPlan = await runSync({ mode: 'mirror', collections: ['authors'] });
		expect(mirrorPlan.last.collections).toEqual({
			authors: { change: null, fields: { create: [], update: [], delete: ['destination_note'] }, relations: { create: [], update: [], delete: [] } },
		});
		await runSync({ mode: 'mirror', collections: ['authors'], dryRun: false });
		expect(await fieldNames(pair.destination, 'authors')).not.toContain('destination_note');
		expect(await collectionNames(pair.destination)).toContain('destination_only');
	});

	it('refuses to apply when the destination changed since the reviewed dry run (expectedHash)', async () => {
		await pair.source.api('POST', '/fields/tags', stringField('colour'));
		const reviewed = await runSync();
		expect(reviewed.last.collections.tags.fields.create).toEqual(['colour']);
		await pair.destination.api('POST', '/fields/tags', stringField('added_meanwhile'));

		const run = await runSync({ dryRun: false, expectedHash: reviewed.last.hash });
		expect(run.resolved).toBe(false);
		expect(run.last).toMatchObject({ operation: 'migration-schema-sync', code: 'SCHEMA_CHANGED' });
		expect(await fieldNames(pair.destination, 'tags')).not.toContain('colour');
	});

	it('sends snapshots larger than the destination JSON body limit (1 MB) as a file', async () => {
		const longNote = 'n'.repeat(60_000);
		await createCollection(pair.source, 'wide_collection', [integerKey]);
		for (let index = 0; index < 20; index++) {
			await pair.source.api('POST', '/fields/wide_collection', stringField(`wide_${index}`, { meta: { interface: 'input', note: longNote } }));
		}
		const snapshotSize = JSON.stringify(await pair.source.api('GET', '/schema/snapshot')).length;
		expect(snapshotSize).toBeGreaterThan(1_100_000);

		const run = await runSync({ dryRun: false, collections: ['wide_collection'] });
		expect(run.resolved, JSON.stringify(run.last)).toBe(true);
		expect(run.last.collections.wide_collection.change).toBe('create');
		expect((await fieldNames(pair.destination, 'wide_collection')).length).toBe(21);
	});

	it('rejects an unknown collection with INVALID_OPTIONS and writes nothing', async () => {
		const before = await destinationSnapshot();
		const run = await runSync({ dryRun: false, collections: ['no_such_collection'] });
		expect(run.last).toMatchObject({ code: 'INVALID_OPTIONS' });
		expect(run.last.message).toContain('no_such_collection');
		expect(await destinationSnapshot()).toEqual(before);
	});

	it('keeps the destination token out of results, logs, revisions and the database', async () => {
		expect(await placesHoldingSecret(pair.source, pair.destination.token)).toEqual([]);
	});
});
