import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differences, STAMPED_ON_UPDATE } from '../harness/compare.ts';
import { CONTENT_COLLECTIONS, createContentSchema, seedContent } from '../harness/content-fixtures.ts';
import { createFlow, withFlow } from '../harness/flows.ts';
import { freePort } from '../harness/instance.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { placesHoldingSecret } from '../harness/secrets.ts';

/** With the defaults the destination stamps date_created and user_created of the rows it creates. */
const IGNORED = [...STAMPED_ON_UPDATE, 'user_created', 'date_created'];
const NOT_DIRECTUS_TOKEN = 'some-token-for-a-server-that-is-not-directus';
const EDITOR_TOKEN = 'editor-token-content-flows-0123456789';

let pair: Pair;
let notDirectus: Server;
let notDirectusUrl: string;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}
const itemOn = (instance: Pair['source'], collection: string, key: string | number) =>
	instance.api<any>('GET', `/items/${collection}/${key}`).catch(() => undefined);
async function destinationCounts(): Promise<Record<string, number>> {
	const counts: Record<string, number> = {};
	for (const collection of CONTENT_COLLECTIONS) {
		const result = await pair.destination.api<{ count: number }[] | { count: number }>('GET', `/items/${collection}?aggregate[count]=*`);
		counts[collection] = Number((Array.isArray(result) ? result[0] : result)?.count ?? 0);
	}
	return counts;
}

beforeAll(async () => {
	const port = await freePort();
	notDirectus = createServer((_request, response) => {
		response.writeHead(200, { 'Content-Type': 'text/html' });
		response.end('<html><body>Just a website</body></html>');
	}).listen(port, '127.0.0.1');
	notDirectusUrl = `http://127.0.0.1:${port}`;
	pair = await startPair({ sourceEnv: { MIGRATION_NOT_DIRECTUS_TOKEN: NOT_DIRECTUS_TOKEN, MIGRATION_EDITOR_TOKEN: EDITOR_TOKEN } });
	await pair.destination.api('POST', '/users', { email: 'editor@example.com', password: 'editor-password', token: EDITOR_TOKEN });
	await createContentSchema(pair.source);
	await seedContent(pair.source, { articleCount: 300, categoryCount: 40 });
	await withFlow(pair.source, [{ key: 'schema', type: 'migration-schema-sync', options: { dryRun: false } }], (flow) => flow.trigger());
});
afterAll(async () => {
	notDirectus?.close();
	await pair?.stop();
});

describe('bad input', () => {
	const cases: [string, Record<string, unknown>, string, string][] = [
		['a malformed URL', { destinationUrl: 'http//nope' }, 'INVALID_OPTIONS', 'destinationUrl'],
		['a server that is not Directus', { destinationUrl: 'NOT_DIRECTUS', destinationTokenEnv: 'MIGRATION_NOT_DIRECTUS_TOKEN' }, 'NOT_DIRECTUS', 'Directus'],
		['a token that is not an admin’s', { destinationTokenEnv: 'MIGRATION_EDITOR_TOKEN' }, 'FORBIDDEN', 'admin'],
		['an invalid token', { destinationToken: 'not-a-valid-token' }, 'UNAUTHORIZED', 'token'],
		['an unknown collection', { collections: ['nope'] }, 'INVALID_OPTIONS', '"nope" is not a collection'],
		['a system collection', { collections: ['directus_users'] }, 'INVALID_OPTIONS', 'directus_users'],
		['a malformed updatedAfter', { updatedAfter: 'last tuesday' }, 'INVALID_OPTIONS', 'updatedAfter'],
		['a filter that is not JSON', { collections: ['articles'], filter: '{status: published}' }, 'INVALID_OPTIONS', 'filter'],
		['a filter on an unknown field', { collections: ['articles'], filter: { nope: { _eq: 1 } } }, 'INVALID_OPTIONS', '"nope" is not a field'],
		['keys without one collection', { keys: [1, 2] }, 'INVALID_OPTIONS', 'keys'],
		['batchSize 0', { batchSize: 0 }, 'INVALID_OPTIONS', 'batchSize'],
		['batchSize 10⁶', { batchSize: 1_000_000 }, 'INVALID_OPTIONS', 'batchSize'],
		['concurrency 20', { concurrency: 20 }, 'INVALID_OPTIONS', 'concurrency'],
	];

	it.each(cases)('%s is rejected with a code and a message naming the problem, and nothing is written', async (_name, options, code, mention) => {
		const resolved = Object.fromEntries(Object.entries(options).map(([key, value]) => [key, value === 'NOT_DIRECTUS' ? notDirectusUrl : value]));
		const before = await destinationCounts();
		const run = await withFlow(pair.source, [{ key: 'migrate', type: 'migration-migrate-tables', options: resolved }], (flow) => flow.trigger());
		expect(run.resolved).toBe(false);
		expect(run.last.code).toBe(code);
		expect(run.last.message).toContain(mention);
		expect(await destinationCounts()).toEqual(before);
	});

	it('keeps every token out of results, logs, revisions and the database', async () => {
		for (const secret of [pair.destination.token, NOT_DIRECTUS_TOKEN, EDITOR_TOKEN, 'not-a-valid-token']) {
			const places = await placesHoldingSecret(pair.source, secret);
			// The literal token option is the one documented exception: Flows store options as written.
			if (secret === 'not-a-valid-token') expect(places).not.toContain('server log');
			else expect(places).toEqual([]);
		}
	});
});

describe('the operations composed in a Flow', () => {
	it('extract → transfer files → upsert items chain on $last and migrate everything', async () => {
		const run = await withFlow(
			pair.source,
			[
				{ key: 'extract', type: 'migration-extract' },
				{ key: 'files', type: 'migration-transfer-files' },
				{ key: 'items', type: 'migration-upsert-items', options: { batchSize: 50, concurrency: 3 } },
			],
			(flow) => flow.trigger(),
		);
		expect(run.resolved, JSON.stringify(run.last).slice(0, 1500)).toBe(true);
		expect(run.all['extract'].plan.collections.find((entry: any) => entry.collection === 'articles').items).toBe(300);
		expect(run.all['files'].files).toMatchObject({ transferred: 5, failed: 0 });
		expect(run.all['items'].collections.articles).toMatchObject({ created: 300, failed: 0 });
		for (const collection of CONTENT_COLLECTIONS) {
			expect(await differences(pair.source, pair.destination, collection, { ignore: IGNORED }), collection).toEqual([]);
		}
	});

	it('a step can name the extract step whose plan it uses', async () => {
		const run = await withFlow(
			pair.source,
			[
				{ key: 'extract', type: 'migration-extract', options: { collections: ['tags'] } },
				{ key: 'items', type: 'migration-upsert-items', options: { plan: 'extract', dryRun: true } },
			],
			(flow) => flow.trigger(),
		);
		expect(Object.keys(run.all['items'].collections)).toEqual(['tags']);
		const missing = await withFlow(pair.source, [{ key: 'items', type: 'migration-upsert-items' }], (flow) => flow.trigger());
		expect(missing.last).toMatchObject({ code: 'INVALID_OPTIONS' });
		expect(missing.last.message).toContain('plan');
	});
});

describe('triggered Flows', () => {
	it('an items.update event Flow with a status condition promotes exactly the published item', async () => {
		const flow = await createFlow(
			pair.source,
			[
				{ key: 'published', type: 'condition', options: { filter: { $trigger: { payload: { status: { _eq: 'published' } } } } } },
				{
					key: 'promote',
					type: 'migration-migrate-tables',
					options: { collections: '{{$trigger.collection}}', keys: '{{$trigger.keys}}', includeRelated: true },
				},
			],
			{ trigger: { type: 'event', options: { type: 'action', scope: ['items.update'], collections: ['articles'] } } },
		);
		try {
			const author = await pair.source.api<{ id: number }>('POST', '/items/authors', { name: 'Event author' });
			const draft = await pair.source.api<{ id: string }>('POST', '/items/articles', { title: 'Draft to publish', status: 'draft', author: author.id });
			const untouched = await pair.source.api<{ id: string }>('POST', '/items/articles', { title: 'Other draft', status: 'draft' });
			await pair.source.api('PATCH', `/items/articles/${untouched.id}`, { title: 'Other draft, edited' });
			await pair.source.api('PATCH', `/items/articles/${draft.id}`, { status: 'published' });

			const promoted = await waitFor('the published article on the destination', () => itemOn(pair.destination, 'articles', draft.id));
			expect(promoted).toMatchObject({ title: 'Draft to publish', status: 'published', author: author.id });
			expect(await itemOn(pair.destination, 'authors', author.id)).toMatchObject({ name: 'Event author' });
			expect(await itemOn(pair.destination, 'articles', untouched.id)).toBeUndefined();
		} finally {
			await flow.remove();
		}
	});

	it('a scheduled Flow with updatedAfter "auto" picks up a change made between two runs', async () => {
		// The articles' user_created must find its user on the destination: a link set to null keeps the marker where it was.
		const sourceAdmin = await pair.source.api<{ id: string }>('GET', '/users/me?fields=id');
		await pair.destination.api('POST', '/users', { id: sourceAdmin.id, email: 'source-admin@example.com' });
		const flow = await createFlow(
			pair.source,
			[{ key: 'sync', type: 'migration-migrate-tables', options: { collections: ['articles', 'authors'], updatedAfter: 'auto' } }],
			{ trigger: { type: 'schedule', options: { cron: '*/2 * * * * *' } } },
		);
		try {
			const firstRun = await waitFor('a first scheduled run', async () => (await flow.runs())[0]);
			expect(firstRun['$last'].ok, JSON.stringify(firstRun['$last']).slice(0, 1000)).toBe(true);
			const [article] = await pair.source.api<any[]>('GET', '/items/articles?limit=1&sort=title&fields=id');
			await pair.source.api('PATCH', `/items/articles/${article.id}`, { title: 'Changed between two scheduled runs' });
			const copied = await waitFor('the change on the destination', async () => {
				const item = await itemOn(pair.destination, 'articles', article.id);
				return item?.title === 'Changed between two scheduled runs' ? item : undefined;
			});
			expect(copied).toBeDefined();
			const runsSoFar = (await flow.runs()).length;
			const later = await waitFor('a run after the change was copied', async () => {
				const runs = await flow.runs();
				return runs.length > runsSoFar + 1 ? runs[0] : undefined;
			});
			const report = later['$last'];
			expect(report.ok).toBe(true);
			const planned = report.plan.collections.find((entry: any) => entry.collection === 'articles');
			expect(planned.since).not.toBeNull();
			expect(report.collections.articles.created + report.collections.articles.updated).toBe(0);
		} finally {
			await flow.remove();
		}
	});
});

describe('a run cut off halfway', () => {
	it('rejects when the destination goes away, and a re-run completes the job', async () => {
		await pair.source.api('POST', '/items/articles', Array.from({ length: 600 }, (_, index) => ({ title: `Bulk ${index}`, author: 1 })));
		// Paced (small batches, 10 requests a second) so that the destination stops while the run is writing.
		const flow = await createFlow(pair.source, [{ key: 'migrate', type: 'migration-migrate-tables', options: { retries: 1, batchSize: 20, requestsPerSecond: 10 } }]);
		try {
			const running = flow.trigger();
			await waitFor('some bulk articles on the destination', async () => {
				const result = await pair.destination.api<{ count: number }[]>('GET', `/items/articles?aggregate[count]=*&filter[title][_starts_with]=Bulk`);
				return Number(result[0]!.count) > 0 ? true : undefined;
			}, 60_000);
			await pair.destination.stop();
			const cut = await running;
			expect(cut.resolved).toBe(false);
			expect(['DESTINATION_UNREACHABLE', 'DESTINATION_UNAVAILABLE']).toContain(cut.last.code);
			expect(cut.last.ok).toBe(false);

			await pair.destination.startProcess();
			const rerun = await flow.trigger();
			expect(rerun.resolved, JSON.stringify(rerun.last).slice(0, 1000)).toBe(true);
			for (const collection of CONTENT_COLLECTIONS) {
				expect(await differences(pair.source, pair.destination, collection, { ignore: IGNORED }), collection).toEqual([]);
			}
		} finally {
			await flow.remove();
		}
	});
});
