import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differences, NOT_RUN_FILES, NOT_RUN_FOLDER, STAMPED_ON_UPDATE } from '../harness/compare.ts';
import { CONTENT_COLLECTIONS, createContentSchema, seedContent, uploadFile } from '../harness/content-fixtures.ts';
import { withFlow, type FlowRun } from '../harness/flows.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { placesHoldingSecret } from '../harness/secrets.ts';

const ARTICLES = 1200;
const CATEGORIES = 150;
/** user_created links to the source's admin, who does not exist on the destination (see the user-link test). */
const IGNORED = [...STAMPED_ON_UPDATE, 'user_created'];
/** These runs keep authorship (date_created is compared); the default, one write per row, is tested apart. */
const KEEP_AUTHORSHIP = { preserveAuthorship: true };

let pair: Pair;
let fileIds: string[];
const migrate = (options: Record<string, unknown> = {}): Promise<FlowRun> =>
	withFlow(pair.source, [{ key: 'migrate', type: 'migration-migrate-tables', options: { ...KEEP_AUTHORSHIP, ...options } }], (flow) => flow.trigger());
const count = async (instance: Pair['source'], collection: string, filter?: object) => {
	const query = filter ? `&filter=${encodeURIComponent(JSON.stringify(filter))}` : '';
	const result = await instance.api<{ count: number }[]>('GET', `/items/${collection}?aggregate[count]=*${query}`);
	return Number(result[0]!.count);
};
async function expectEqual(collections = CONTENT_COLLECTIONS) {
	for (const collection of collections) {
		expect(await differences(pair.source, pair.destination, collection, { ignore: IGNORED }), collection).toEqual([]);
	}
}

beforeAll(async () => {
	pair = await startPair();
	await createContentSchema(pair.source);
	({ fileIds } = await seedContent(pair.source, { articleCount: ARTICLES, categoryCount: CATEGORIES }));
	const schema = await withFlow(pair.source, [{ key: 'schema', type: 'migration-schema-sync', options: { dryRun: false } }], (flow) => flow.trigger());
	expect(schema.resolved, JSON.stringify(schema.last)).toBe(true);
});
afterAll(async () => {
	await pair?.stop();
});

describe('content migration (migration-migrate-tables)', () => {
	let firstRun: FlowRun;

	it('a dry run returns the plan with counts to create and files to transfer, and writes nothing', async () => {
		const run = await migrate({ dryRun: true });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		const report = run.last;
		expect(report.dryRun).toBe(true);
		expect(report.collections.articles).toEqual({ created: ARTICLES, updated: 0, unchanged: 0, deleted: 0, failed: 0 });
		expect(report.collections.categories.created).toBe(CATEGORIES);
		expect(report.files).toMatchObject({ transferred: 5, skipped: 0, folders: { created: 2 } });
		expect(report.files.bytes).toBe(20_000 + 21_000 + 22_000 + 23_000 + 24_000);
		expect(report.plan.files).toMatchObject({ count: 5, bytes: report.files.bytes, folders: 2 });
		const order = report.plan.collections.map((entry: { collection: string }) => entry.collection);
		expect(order.indexOf('authors')).toBeLessThan(order.indexOf('articles'));
		expect(order.indexOf('articles')).toBeLessThan(order.indexOf('articles_tags'));
		expect(report.plan.deferred).toMatchObject({ categories: ['parent'] });
		expect(JSON.stringify(report.plan).length).toBeLessThan(20_000);
		for (const collection of ['articles', 'authors', 'categories', 'pages_blocks']) expect(await count(pair.destination, collection)).toBe(0);
		expect(await pair.destination.api('GET', '/files?limit=-1&fields=id')).toEqual([]);
	});

	it('copies every item, relation, singleton and file with the same keys, and the destination equals the source', async () => {
		firstRun = await migrate();
		expect(firstRun.resolved, JSON.stringify(firstRun.last).slice(0, 2000)).toBe(true);
		expect(firstRun.last.collections.articles).toEqual({ created: ARTICLES, updated: 0, unchanged: 0, deleted: 0, failed: 0 });
		expect(firstRun.last.files).toMatchObject({ transferred: 5, updated: 0, failed: 0, folders: { created: 2 } });
		await expectEqual();
		// Links past the first page of every batch size survive (an older tool nulled them).
		expect(await count(pair.destination, 'articles', { author: { _null: true } })).toBe(0);
		expect(await count(pair.destination, 'categories', { parent: { _null: true } })).toBe(1);
	});

	it('keeps file ids, folders and metadata, and the bytes', async () => {
		expect(await differences(pair.source, pair.destination, 'directus_files', {
			path: '/files',
			ignore: ['uploaded_by', 'modified_by', 'modified_on', 'filename_disk', 'storage', 'created_on'],
			filter: NOT_RUN_FILES,
		})).toEqual([]);
		expect(await differences(pair.source, pair.destination, 'directus_folders', { path: '/folders', ignore: [], filter: NOT_RUN_FOLDER })).toEqual([]);
		// The source keeps its run journals; the destination gets neither them nor their folder.
		expect(await pair.destination.api<unknown[]>('GET', '/folders?filter[name][_eq]=Migrations&fields=id')).toEqual([]);
		const bytes = async (instance: Pair['source']) =>
			Buffer.from(await (await fetch(`${instance.url}/assets/${fileIds[2]}`, { headers: { Authorization: `Bearer ${instance.token}` } })).arrayBuffer());
		expect((await bytes(pair.destination)).equals(await bytes(pair.source))).toBe(true);
	});

	it('preserves date_created of created items, and integer keys keep counting after the copy', async () => {
		const [sourceArticle] = await pair.source.api<any[]>('GET', '/items/articles?limit=1&sort=title&fields=id,date_created');
		const destinationArticle = await pair.destination.api<any>('GET', `/items/articles/${sourceArticle.id}?fields=date_created`);
		expect(destinationArticle.date_created).toBe(sourceArticle.date_created);
		const created = await pair.destination.api<{ id: number }>('POST', '/items/authors', { name: 'New on the destination' });
		expect(created.id).toBe(4);
		await pair.destination.api('DELETE', `/items/authors/${created.id}`);
	});

	it('re-running with no source change writes nothing and takes a fraction of the first run', async () => {
		const run = await migrate();
		expect(run.resolved).toBe(true);
		for (const [collection, tally] of Object.entries<any>(run.last.collections)) {
			expect({ collection, created: tally.created, updated: tally.updated, failed: tally.failed }).toEqual({ collection, created: 0, updated: 0, failed: 0 });
		}
		expect(run.last.collections.articles.unchanged).toBe(ARTICLES);
		expect(run.last.files).toMatchObject({ transferred: 0, skipped: 5, updated: 0, folders: { created: 0, updated: 0, unchanged: 2 } });
		expect(run.last.durationMs).toBeLessThan(firstRun.last.durationMs);
	});

	it('updates only what changed, and deletes what the source lost only when asked', async () => {
		await pair.source.api('POST', '/items/tags', { code: 'temporary', label: 'Soon gone' });
		await migrate();
		await pair.source.api('DELETE', '/items/tags/temporary');
		const [article] = await pair.source.api<any[]>('GET', '/items/articles?limit=1&sort=-title&fields=id');
		await pair.source.api('PATCH', `/items/articles/${article.id}`, { title: 'Changed on the source', metadata: { words: 1 } });
		await pair.source.api('PATCH', '/items/site_settings', { site_title: 'Renamed site' });

		const run = await migrate({ deleteMissing: true, dryRun: true });
		expect(run.last.collections.articles).toMatchObject({ created: 0, updated: 1, unchanged: ARTICLES - 1 });
		expect(run.last.collections.tags).toMatchObject({ deleted: 1 });
		expect(run.last.collections.site_settings).toMatchObject({ created: 0, updated: 1 });
		expect(await count(pair.destination, 'tags', { code: { _eq: 'temporary' } })).toBe(1);

		const applied = await migrate({ deleteMissing: true });
		expect(applied.last.collections.articles).toMatchObject({ updated: 1, unchanged: ARTICLES - 1 });
		expect(applied.last.collections.tags).toMatchObject({ deleted: 1 });
		await expectEqual();
	});

	it('keeps user links whose user exists on the destination, and nulls the others with a warning', async () => {
		const sourceAdmin = await pair.source.api<{ id: string }>('GET', '/users/me?fields=id');
		const run = await migrate({ collections: ['articles'] });
		expect(run.resolved).toBe(true);
		expect(run.last.warnings).toContainEqual(expect.objectContaining({ code: 'MISSING_LINK_TARGET', collection: 'articles' }));
		expect(run.last.warnings.map((warning: { message: string }) => warning.message).join()).toContain('articles.user_created → directus_users');
		await pair.destination.api('POST', '/users', { id: sourceAdmin.id, email: 'source-admin@example.com' });
		await pair.source.api('POST', '/items/articles', { title: 'By the source admin' });
		const after = await migrate({ collections: ['articles'] });
		expect(after.resolved).toBe(true);
		const [created] = await pair.destination.api<any[]>('GET', `/items/articles?filter[title][_eq]=By the source admin&fields=user_created`);
		expect(created.user_created).toBe(sourceAdmin.id);
	});

	it('counts and lists a row the destination refuses, writes the rest, and rejects after', async () => {
		await pair.destination.api('PATCH', '/fields/authors/name', { schema: { is_nullable: false } });
		const [refused] = await pair.source.api<{ id: number }[]>('POST', '/items/authors', [{ name: null }, { name: 'Hedy' }]);
		const run = await migrate({ collections: ['authors'] });
		expect(run.resolved).toBe(false);
		expect(run.last).toMatchObject({ code: 'ITEMS_FAILED', ok: false });
		expect(run.last.collections.authors).toMatchObject({ created: 1, failed: 1 });
		expect(run.last.failures.items).toHaveLength(1);
		expect(run.last.failures.items[0]).toMatchObject({ collection: 'authors', key: refused!.id });
		expect(await count(pair.destination, 'authors', { name: { _eq: 'Hedy' } })).toBe(1);
		await pair.source.api('DELETE', `/items/authors/${refused!.id}`);
		await pair.destination.api('PATCH', '/fields/authors/name', { schema: { is_nullable: true } });
	});

	it('never lets the destination token reach a result, a log line, a revision or the database', async () => {
		expect(await placesHoldingSecret(pair.source, pair.destination.token)).toEqual([]);
	});
});

describe('promoting chosen items', () => {
	it('moves items by key with what they need (related rows, junction rows, files), and nothing else', async () => {
		const fileId = await uploadFile(pair.source, 'promoted-cover', 5000, { title: 'Promoted cover' });
		const author = await pair.source.api<{ id: number }>('POST', '/items/authors', { name: 'Promoted author' });
		await pair.source.api('POST', '/items/tags', { code: 'promoted', label: 'Promoted' });
		const article = await pair.source.api<{ id: string }>('POST', '/items/articles', {
			title: 'Promoted article',
			author: author.id,
			cover: fileId,
			tags: [{ tags_id: 'promoted' }],
		});
		const other = await pair.source.api<{ id: string }>('POST', '/items/articles', { title: 'Not promoted' });

		const run = await migrate({ collections: 'articles', keys: article.id, includeRelated: true });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 1500)).toBe(true);
		expect(run.last.collections.articles).toMatchObject({ created: 1 });
		expect(run.last.collections.authors).toMatchObject({ created: 1 });
		expect(run.last.collections.tags).toMatchObject({ created: 1 });
		expect(run.last.collections.articles_tags).toMatchObject({ created: 1 });
		expect(run.last.files).toMatchObject({ transferred: 1 });
		const promoted = await pair.destination.api<any>('GET', `/items/articles/${article.id}?fields=title,author,cover,tags.tags_id`);
		expect(promoted).toMatchObject({ title: 'Promoted article', author: author.id, cover: fileId, tags: [{ tags_id: 'promoted' }] });
		await expect(pair.destination.api('GET', `/items/articles/${other.id}`)).rejects.toThrow(/403|404/);
	});
});
