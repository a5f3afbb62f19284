import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadFile } from '../harness/content-fixtures.ts';
import { withFlow, type FlowRun } from '../harness/flows.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { createCollection, createManyToAny, integerKey, stringField, uuidKey } from '../harness/schema-fixtures.ts';
import type { DirectusInstance } from '../harness/instance.ts';

/**
 * What planning must get right beyond the common fixtures: a page builder (M2A) whose blocks have
 * files and authors, cycles with required (NOT NULL) links, and filtered selections larger than a batch.
 */
let pair: Pair;

const m2o = (instance: DirectusInstance, collection: string, field: string, related: string) =>
	instance.api('POST', '/relations', { collection, field, related_collection: related, meta: { one_field: null }, schema: {} });
const linkField = (field: string, options: { type?: string; required?: boolean; file?: boolean } = {}) => ({
	field,
	type: options.type ?? 'integer',
	meta: { interface: options.file ? 'file-image' : 'select-dropdown-m2o', special: options.file ? ['file'] : ['m2o'] },
	schema: { is_nullable: !options.required },
});

async function createSchema(source: DirectusInstance): Promise<void> {
	await createCollection(source, 'authors', [integerKey, stringField('name')]);

	// A page builder: pages ← pages_blocks (M2A) → block_text | block_hero; blocks hold files and authors.
	await createCollection(source, 'block_text', [integerKey, { field: 'text', type: 'text', meta: {}, schema: {} }, linkField('image', { type: 'uuid', file: true }), linkField('author')]);
	await source.api('POST', '/relations', { collection: 'block_text', field: 'image', related_collection: 'directus_files', schema: { on_delete: 'SET NULL' } });
	await m2o(source, 'block_text', 'author', 'authors');
	await createCollection(source, 'block_hero', [uuidKey, stringField('headline'), linkField('background', { type: 'uuid', file: true })]);
	await source.api('POST', '/relations', { collection: 'block_hero', field: 'background', related_collection: 'directus_files', schema: { on_delete: 'SET NULL' } });
	await createCollection(source, 'pages', [integerKey, stringField('title')]);
	await createManyToAny(source, { parent: 'pages', alias: 'blocks', junction: 'pages_blocks', blocks: ['block_text', 'block_hero'] });

	// A two-collection cycle with a required link: a person must have a team; a team may have a lead.
	await createCollection(source, 'teams', [integerKey, stringField('name'), linkField('lead')]);
	await createCollection(source, 'people', [integerKey, stringField('name'), linkField('team', { required: true })]);
	await m2o(source, 'teams', 'lead', 'people');
	await m2o(source, 'people', 'team', 'teams');

	// A three-collection cycle: ring_a.b (required) → ring_b.c (nullable) → ring_c.a (required) → ring_a.
	await createCollection(source, 'ring_a', [integerKey, stringField('name'), linkField('b', { required: true })]);
	await createCollection(source, 'ring_b', [integerKey, stringField('name'), linkField('c')]);
	await createCollection(source, 'ring_c', [integerKey, stringField('name'), linkField('a', { required: true })]);
	await m2o(source, 'ring_a', 'b', 'ring_b');
	await m2o(source, 'ring_b', 'c', 'ring_c');
	await m2o(source, 'ring_c', 'a', 'ring_a');

	// Notes (UUID keys) chosen by a filter, each with its own author.
	await createCollection(source, 'notes', [uuidKey, stringField('kind'), stringField('body'), linkField('writer')]);
	await m2o(source, 'notes', 'writer', 'authors');
}

const migrate = (options: Record<string, unknown>): Promise<FlowRun> =>
	withFlow(pair.source, [{ key: 'migrate', type: 'migration-migrate-tables', options }], (flow) => flow.trigger());

async function rows(instance: DirectusInstance, collection: string, filter?: object): Promise<Record<string, unknown>[]> {
	const query = filter ? `&filter=${encodeURIComponent(JSON.stringify(filter))}` : '';
	const found = await instance.api<Record<string, unknown>[]>('GET', `/items/${collection}?fields=*&limit=-1&sort=id${query}`);
	return found.map((row) => Object.fromEntries(Object.entries(row).filter(([field]) => field !== 'blocks')));
}

async function expectSameRows(collection: string, filter?: object): Promise<void> {
	const [left, right] = await Promise.all([rows(pair.source, collection, filter), rows(pair.destination, collection, filter)]);
	expect(left.length, `${collection} has rows on the source`).toBeGreaterThan(0);
	expect(right, collection).toEqual(left);
}

beforeAll(async () => {
	pair = await startPair();
	await createSchema(pair.source);
	const schema = await withFlow(pair.source, [{ key: 'schema', type: 'migration-schema-sync', options: { dryRun: false } }], (flow) => flow.trigger());
	expect(schema.resolved, JSON.stringify(schema.last).slice(0, 2000)).toBe(true);
});
afterAll(async () => {
	await pair?.stop();
});

describe('includeRelated with a page builder (M2A)', () => {
	it('promotes a page with its junction rows, its blocks, what the blocks link to, and their files, all equal', async () => {
		const { source } = pair;
		const image = await uploadFile(source, 'block-image', 3000, { title: 'Block image' });
		const background = await uploadFile(source, 'hero-background', 4000, { title: 'Hero background' });
		const otherImage = await uploadFile(source, 'other-image', 2000);
		const [ada] = await source.api<{ id: number }[]>('POST', '/items/authors', [{ name: 'Ada' }, { name: 'Nobody' }]);
		const texts = await source.api<{ id: number }[]>('POST', '/items/block_text', [
			{ text: 'Hello', image, author: ada!.id },
			{ text: 'Not on the promoted page', image: otherImage },
		]);
		const hero = await source.api<{ id: string }>('POST', '/items/block_hero', { headline: 'Big news', background });
		const [home, other] = await source.api<{ id: number }[]>('POST', '/items/pages', [{ title: 'Home' }, { title: 'Other' }]);
		await source.api('POST', '/items/pages_blocks', [
			{ pages_id: home!.id, collection: 'block_hero', item: hero.id },
			{ pages_id: home!.id, collection: 'block_text', item: String(texts[0]!.id) },
			{ pages_id: other!.id, collection: 'block_text', item: String(texts[1]!.id) },
		]);

		const run = await migrate({ collections: 'pages', keys: String(home!.id), includeRelated: true });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 3000)).toBe(true);
		expect(run.last.warnings.filter((warning: { code: string; collection?: string }) => warning.code === 'MISSING_LINK_TARGET' && warning.collection !== 'directus_files')).toEqual([]);
		expect(run.last.collections).toMatchObject({
			pages: { created: 1 },
			pages_blocks: { created: 2 },
			block_text: { created: 1 },
			block_hero: { created: 1 },
			authors: { created: 1 },
		});
		expect(run.last.files).toMatchObject({ transferred: 2, failed: 0 });

		await expectSameRows('pages', { id: { _eq: home!.id } });
		await expectSameRows('pages_blocks', { pages_id: { _eq: home!.id } });
		await expectSameRows('block_text', { id: { _eq: texts[0]!.id } });
		await expectSameRows('block_hero');
		await expectSameRows('authors', { id: { _eq: ada!.id } });
		for (const file of [image, background]) {
			const [left, right] = await Promise.all(
				[pair.source, pair.destination].map((instance) => instance.api<Record<string, unknown>>('GET', `/files/${file}?fields=id,title,filesize,filename_download`)),
			);
			expect(right).toEqual(left);
		}
		// Nothing of the other page came along.
		expect(await rows(pair.destination, 'pages')).toHaveLength(1);
		expect(await rows(pair.destination, 'block_text')).toHaveLength(1);
		expect(await rows(pair.destination, 'authors')).toHaveLength(1);
		await expect(pair.destination.api('GET', `/files/${otherImage}`)).rejects.toThrow(/403|404/);
	});

	it('nulls an M2A item whose block is missing on the destination and names it in a warning', async () => {
		const hero = await pair.source.api<{ id: string }>('POST', '/items/block_hero', { headline: 'Only on the source' });
		const [page] = await pair.source.api<{ id: number }[]>('GET', '/items/pages?filter[title][_eq]=Home&fields=id');
		await pair.source.api('POST', '/items/pages_blocks', { pages_id: page!.id, collection: 'block_hero', item: hero.id });
		const run = await migrate({ collections: 'pages_blocks', filter: { pages_id: { _eq: page!.id } } });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		expect(run.last.warnings).toContainEqual(expect.objectContaining({ code: 'MISSING_LINK_TARGET', collection: 'pages_blocks' }));
		expect(run.last.warnings.map((warning: { message: string }) => warning.message).join()).toContain('pages_blocks.item → block_hero');
		const [dangling] = await rows(pair.destination, 'pages_blocks', { collection: { _eq: 'block_hero' }, item: { _null: true } });
		expect(dangling).toBeDefined();
	});
});

describe('cycles', () => {
	it('migrates a two-collection cycle whose one link is required, with no failure', async () => {
		await pair.source.api('POST', '/items/teams', [{ id: 1, name: 'Core' }, { id: 2, name: 'Docs' }]);
		await pair.source.api('POST', '/items/people', [{ id: 1, name: 'Alice', team: 1 }, { id: 2, name: 'Bob', team: 2 }]);
		await pair.source.api('PATCH', '/items/teams', [{ id: 1, lead: 1 }, { id: 2, lead: 2 }]);
		const run = await migrate({ collections: ['teams', 'people'] });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		expect(run.last.plan.deferred).toEqual({ teams: ['lead'] });
		expect(run.last.collections.people).toMatchObject({ created: 2, failed: 0 });
		expect(run.last.collections.teams).toMatchObject({ created: 2, failed: 0 });
		await expectSameRows('teams');
		await expectSameRows('people');
	});

	it('migrates a three-collection cycle deferring exactly one link', async () => {
		await pair.source.api('POST', '/items/ring_b', { id: 1, name: 'b' });
		await pair.source.api('POST', '/items/ring_a', { id: 1, name: 'a', b: 1 });
		await pair.source.api('POST', '/items/ring_c', { id: 1, name: 'c', a: 1 });
		await pair.source.api('PATCH', '/items/ring_b/1', { c: 1 });
		const run = await migrate({ collections: ['ring_a', 'ring_b', 'ring_c'] });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		expect(run.last.plan.deferred).toEqual({ ring_b: ['c'] });
		for (const collection of ['ring_a', 'ring_b', 'ring_c']) {
			expect(run.last.collections[collection]).toMatchObject({ created: 1, failed: 0 });
			await expectSameRows(collection);
		}
	});
});

describe('selections larger than a batch', () => {
	it('Directus refuses "greater than" on UUID keys (why UUID-keyed filtered sets are paged by their matching keys)', async () => {
		await expect(pair.source.api('GET', `/items/notes?filter=${encodeURIComponent(JSON.stringify({ id: { _gt: '0' } }))}`)).rejects.toThrow(/400/);
	});

	it('keeps the plan small for a filtered selection with includeRelated, and migrates every match', async () => {
		const MATCHES = 130;
		const authors = await pair.source.api<{ id: number }[]>('POST', '/items/authors', Array.from({ length: MATCHES }, (_, index) => ({ name: `Writer ${index}` })));
		await pair.source.api('POST', '/items/notes', [
			...authors.map((author, index) => ({ kind: 'keep', body: `Note ${index}`, writer: author.id })),
			...Array.from({ length: 20 }, (_, index) => ({ kind: 'skip', body: `Skipped ${index}` })),
		]);
		const run = await migrate({ collections: 'notes', filter: { kind: { _eq: 'keep' } }, includeRelated: true, batchSize: 25 });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		expect(JSON.stringify(run.last.plan).length).toBeLessThan(3_000);
		expect(run.last.collections.notes).toMatchObject({ created: MATCHES, failed: 0 });
		expect(run.last.collections.authors).toMatchObject({ created: MATCHES, failed: 0 });
		await expectSameRows('notes', { kind: { _eq: 'keep' } });
		expect(await rows(pair.destination, 'notes', { kind: { _eq: 'skip' } })).toEqual([]);
		expect(await rows(pair.destination, 'notes', { writer: { _null: true } })).toEqual([]);
	});
});
