import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAMPED_ON_UPDATE } from '../harness/compare.ts';
import { CONTENT_COLLECTIONS, createContentSchema, uploadFile } from '../harness/content-fixtures.ts';
import { CaptureServer } from '../harness/capture-server.ts';
import { FaultProxy } from '../harness/fault-proxy.ts';
import { createFlow, withFlow, type FlowRun } from '../harness/flows.ts';
import type { DirectusInstance } from '../harness/instance.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { createCollection, integerKey, stringField } from '../harness/schema-fixtures.ts';

/**
 * Run records, live progress and rollback: every writing run leaves a record (read through the
 * bundle's /migration-runs endpoint, from the shared database), a running one shows where it is, and
 * migration-rollback restores the destination from what the run kept of it.
 */
const KEEP = 6;
const BULK = 1200;
let pair: Pair;

interface RunRecord {
	id: number;
	operation: string;
	trigger: { flow: { id: string; name: string | null } | null; operation: string; type: string | null; user: string | null };
	destination: { host: string };
	startedAt: string;
	endedAt: string | null;
	outcome: string;
	report: Record<string, any> | null;
	journal: { file: string; entries: number } | null;
	artifacts?: { name: string; file: string }[];
	rolledBackBy: number | null;
	progress: { phase: string; collection: string | null; rows: { done: number; total: number }; rate: number | null; etaSeconds: number | null; updatedAt: string } | null;
}

const runs = (limit = 100) => pair.source.api<RunRecord[]>('GET', `/migration-runs?limit=${limit}`);
const runRecord = (id: number) => pair.source.api<RunRecord>('GET', `/migration-runs/${id}`);
const migrate = (options: Record<string, unknown>): Promise<FlowRun> =>
	withFlow(pair.source, [{ key: 'migrate', type: 'migration-migrate-tables', options }], (flow) => flow.trigger());
const rollback = (options: Record<string, unknown> = {}): Promise<FlowRun> =>
	withFlow(pair.source, [{ key: 'rollback', type: 'migration-rollback', options }], (flow) => flow.trigger());

/** Every row of the content collections and every file of `instance`, stamps left out: its state. */
async function stateOf(instance: DirectusInstance): Promise<Record<string, unknown>> {
	const state: Record<string, unknown> = {};
	for (const collection of CONTENT_COLLECTIONS) {
		const rows = await instance.api<Record<string, unknown>[] | Record<string, unknown>>('GET', `/items/${collection}?fields=*&limit=-1`);
		const list = (Array.isArray(rows) ? rows : [rows]).map((row) => Object.fromEntries(Object.entries(row).filter(([field]) => !STAMPED_ON_UPDATE.includes(field))));
		const key = (row: Record<string, unknown>) => String(row['id'] ?? row['code'] ?? '');
		state[collection] = list.sort((a, b) => key(a).localeCompare(key(b)));
	}
	state['files'] = await instance.api('GET', '/files?fields=id,title,filesize,folder&sort=id&limit=-1');
	return state;
}

beforeAll(async () => {
	pair = await startPair({ sourceEnv: { MIGRATION_RUNS_KEEP: String(KEEP) } });
	await createContentSchema(pair.source);
	await createCollection(pair.source, 'bulk', [integerKey, stringField('name')]);
	const schema = await withFlow(pair.source, [{ key: 'schema', type: 'migration-schema-sync', options: { dryRun: false } }], (flow) => flow.trigger());
	expect(schema.resolved, JSON.stringify(schema.last).slice(0, 2000)).toBe(true);
	for (let start = 0; start < BULK; start += 400) {
		await pair.source.api('POST', '/items/bulk?fields=id', Array.from({ length: 400 }, (_, index) => ({ name: `Row ${start + index}` })));
	}
});
afterAll(async () => {
	await pair?.stop();
});

describe('run records', () => {
	it('a writing run leaves a record of what started it, where it wrote, when, its outcome and report; a dry run leaves none', async () => {
		await pair.source.api('POST', '/items/authors', [{ name: 'Ada' }, { name: 'Grace' }]);
		const before = await runs();
		const dry = await migrate({ collections: 'authors', dryRun: true });
		expect(dry.resolved).toBe(true);
		expect(dry.last.runId).toBeUndefined();
		expect(await runs()).toEqual(before);

		const me = await pair.source.api<{ id: string }>('GET', '/users/me?fields=id');
		const flow = await createFlow(pair.source, [{ key: 'migrate', type: 'migration-migrate-tables', options: { collections: 'authors' } }], { name: 'Publish authors' });
		let run: FlowRun;
		try {
			run = await flow.trigger();
		} finally {
			await flow.remove();
		}
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		const record = await runRecord(run.last.runId);
		expect(record).toMatchObject({
			operation: 'migration-migrate-tables',
			trigger: { flow: { id: flow.id, name: 'Publish authors' }, operation: 'migration-migrate-tables', type: 'webhook', user: me.id },
			destination: { host: new URL(pair.destination.url).host },
			outcome: 'succeeded',
			report: { ok: true, collections: { authors: { created: 2 } } },
			progress: { phase: 'items', rows: { done: 2, total: 2 } },
		});
		expect(Date.parse(record.endedAt!)).toBeGreaterThanOrEqual(Date.parse(record.startedAt));
		expect(JSON.stringify(record)).not.toContain(pair.destination.token);
		expect((await runs())[0]!.id).toBe(record.id);
	});

	it('a failed run is recorded as failed with its rejection', async () => {
		const run = await migrate({ collections: 'authors', destinationUrl: 'http://127.0.0.1:9' });
		expect(run.resolved).toBe(false);
		const [latest] = await runs(1);
		// Nothing could be written, but the run was a writing run: it is on record with the reason.
		expect(latest).toMatchObject({ outcome: 'failed', report: { code: run.last.code } });
	});

	it('migration-system never copies the run records to the destination', async () => {
		expect((await runs()).length).toBeGreaterThan(0);
		const run = await withFlow(pair.source, [{ key: 'system', type: 'migration-system', options: { scope: 'presets', dryRun: false } }], (flow) => flow.trigger());
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		const copied = await pair.destination.api<unknown[]>('GET', '/presets?filter[collection][_eq]=directus_migration_runs&limit=-1&fields=id');
		expect(copied).toEqual([]);
	});

	it('only administrators read the records', async () => {
		const response = await fetch(`${pair.source.url}/migration-runs`);
		expect(response.status).toBe(403);

		// Nor through /presets: a user with app access reads global presets, and the records are not global.
		const { source } = pair;
		const policy = await source.api<{ id: string }>('POST', '/policies', { name: 'Editing', app_access: true, admin_access: false });
		const role = await source.api<{ id: string }>('POST', '/roles', { name: 'Editor' });
		await source.api('POST', '/access', { role: role.id, policy: policy.id });
		await source.api('POST', '/users', { email: 'editor@example.com', password: 'editor-password-1', role: role.id, status: 'active' });
		const login = await source.api<{ access_token: string }>('POST', '/auth/login', { email: 'editor@example.com', password: 'editor-password-1' });
		const visible = await source.api<unknown[]>('GET', '/presets?fields=id,collection&limit=-1', undefined, login.access_token);
		expect(visible.filter((preset) => (preset as { collection: string }).collection === 'directus_migration_runs')).toEqual([]);
		expect((await runs()).length).toBeGreaterThan(0);
	});

	it(`keeps the last ${KEEP} finished records (MIGRATION_RUNS_KEEP)`, async () => {
		await withFlow(pair.source, [{ key: 'migrate', type: 'migration-migrate-tables', options: { collections: 'authors' } }], async (flow) => {
			for (let index = 0; index < KEEP + 2; index++) expect((await flow.trigger()).resolved).toBe(true);
		});
		const kept = await runs();
		expect(kept).toHaveLength(KEEP);
		expect(kept.every((record) => record.outcome === 'succeeded')).toBe(true);
	});
});

describe('live progress', () => {
	it('a running run shows its phase, collection, rows done of total, rate and time left, refreshed every few seconds', async () => {
		const proxy = await new FaultProxy(pair.destination.url).start();
		// Slow enough that the items phase spans several progress writes (every 2 s), whatever the machine.
		proxy.faults = { latencyMs: 150 };
		try {
			const flow = await createFlow(pair.source, [{ key: 'migrate', type: 'migration-migrate-tables', options: { collections: 'bulk', destinationUrl: proxy.url, batchSize: 25, concurrency: 1 } }], {
				trigger: { type: 'webhook', options: { method: 'POST', async: true } },
			});
			try {
				const started = Date.now();
				// An asynchronous webhook answers at once, with no body, and the run goes on.
				const response = await fetch(`${pair.source.url}/flows/trigger/${flow.id}`, { method: 'POST', headers: { Authorization: `Bearer ${pair.source.token}` } });
				expect(response.ok).toBe(true);
				const seen: RunRecord[] = [];
				let finished: RunRecord | undefined;
				while (Date.now() - started < 150_000) {
					const [latest] = await runs(1);
					if (latest?.trigger.flow?.id === flow.id) {
						if (latest.outcome === 'running') seen.push(latest);
						else {
							finished = latest;
							break;
						}
					}
					await new Promise((resolve) => setTimeout(resolve, 500));
				}
				expect(finished?.outcome, JSON.stringify(finished?.report ?? null).slice(0, 1000)).toBe('succeeded');
				const midway = seen.filter((record) => record.progress?.phase === 'items' && record.progress.rows.done > 0 && record.progress.rows.done < BULK);
				expect(midway.length, JSON.stringify(seen.map((record) => record.progress))).toBeGreaterThan(0);
				const sample = midway.at(-1)!.progress!;
				expect(sample).toMatchObject({ collection: 'bulk', rows: { total: BULK } });
				expect(sample.rate).toBeGreaterThan(0);
				expect(sample.etaSeconds).toBeGreaterThanOrEqual(0);
				// Written at least every 5 seconds while the run works.
				expect(seen.every((record) => record.progress !== null)).toBe(true);
				const stamps = [...new Set(seen.map((record) => Date.parse(record.progress!.updatedAt)))].sort();
				for (let index = 1; index < stamps.length; index++) expect(stamps[index]! - stamps[index - 1]!).toBeLessThanOrEqual(5_000);
				expect(finished!.progress).toMatchObject({ rows: { done: BULK, total: BULK } });
			} finally {
				await flow.remove();
			}
		} finally {
			await proxy.stop();
		}
	});
});

describe('migration-rollback', () => {
	let coverId: string;
	let first: { id: string };
	let second: { id: string };

	it('promotes an article with includeRelated, rolls it back, and the destination is as it was before the promotion', async () => {
		const { source, destination } = pair;
		const [author] = await source.api<{ id: number }[]>('GET', '/items/authors?filter[name][_eq]=Ada&fields=id');
		await source.api('POST', '/items/tags', [{ code: 'news', label: 'News' }]);
		first = await source.api<{ id: string }>('POST', '/items/articles', { title: 'First', status: 'published', author: author!.id, tags: [{ tags_id: 'news' }] });
		const promoted = await migrate({ collections: 'articles', keys: first.id, includeRelated: true });
		expect(promoted.resolved, JSON.stringify(promoted.last).slice(0, 2000)).toBe(true);

		// The next promotion updates the first article and brings a second one with a new author and a cover.
		const [newAuthor] = await source.api<{ id: number }[]>('POST', '/items/authors', [{ name: 'Linus' }]);
		coverId = await uploadFile(source, 'cover', 5000, { title: 'Cover' });
		await source.api('PATCH', `/items/articles/${first.id}`, { title: 'First, edited', metadata: { words: 10 } });
		second = await source.api<{ id: string }>('POST', '/items/articles', { title: 'Second', status: 'published', author: newAuthor!.id, cover: coverId, tags: [{ tags_id: 'news' }] });
		const beforeState = await stateOf(destination);
		const run = await migrate({ collections: 'articles', keys: [first.id, second.id], includeRelated: true });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 3000)).toBe(true);
		expect(run.last.collections.articles).toMatchObject({ created: 1, updated: 1 });
		expect(run.last.files).toMatchObject({ transferred: 1 });
		const afterState = await stateOf(destination);
		expect(afterState).not.toEqual(beforeState);
		expect((await runRecord(run.last.runId)).journal?.entries).toBeGreaterThan(0);

		const preview = await rollback();
		expect(preview.resolved, JSON.stringify(preview.last).slice(0, 3000)).toBe(true);
		expect(preview.last).toMatchObject({ dryRun: true, rolledBack: { runId: run.last.runId }, conflicts: [] });
		expect(preview.last.collections.articles).toMatchObject({ deleted: 1, restored: 1 });
		expect(preview.last.collections.directus_files).toMatchObject({ deleted: 1 });
		expect(await stateOf(destination)).toEqual(afterState);

		const undone = await rollback({ dryRun: false });
		expect(undone.resolved, JSON.stringify(undone.last).slice(0, 3000)).toBe(true);
		expect(await stateOf(destination)).toEqual(beforeState);
		expect((await runRecord(run.last.runId)).rolledBackBy).toBe(undone.last.runId);
	});

	it('reports a row edited on the destination since the run as a conflict and leaves it alone, restoring the rest', async () => {
		const { destination } = pair;
		const beforeState = await stateOf(destination);
		const run = await migrate({ collections: 'articles', keys: [first.id, second.id], includeRelated: true });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 3000)).toBe(true);
		await destination.api('PATCH', `/items/articles/${second.id}`, { title: 'Edited on the destination' });

		const undone = await rollback({ dryRun: false, run: run.last.runId });
		expect(undone.resolved).toBe(false);
		expect(undone.last).toMatchObject({ code: 'ROLLBACK_CONFLICT', conflicts: [{ collection: 'articles', key: second.id, change: 'created', fields: ['title'] }] });
		const [kept] = await destination.api<{ title: string }[]>('GET', `/items/articles?filter[id][_eq]=${second.id}&fields=title`);
		expect(kept?.title).toBe('Edited on the destination');
		const [restored] = await destination.api<{ title: string }[]>('GET', `/items/articles?filter[id][_eq]=${first.id}&fields=title`);
		expect(restored?.title).toBe('First');
		expect((beforeState['articles'] as unknown[]).length + 1).toBe((await destination.api<unknown[]>('GET', '/items/articles?limit=-1&fields=id')).length);
		expect((await runRecord(run.last.runId)).rolledBackBy).toBeNull();
	});
});

interface Notification {
	subject: string;
	message: string;
	recipient: string;
}
const notificationsOf = (user: string) =>
	pair.source.api<Notification[]>('GET', `/notifications?filter[recipient][_eq]=${user}&sort=-id&limit=10&fields=subject,message,recipient`);

/** A webhook Flow: the migration, and on its resolve and reject paths the operations given (the way a builder wires them). */
async function flowWithPaths(migrate: Record<string, unknown>, paths: { resolve?: { type: string; options: Record<string, unknown> }; reject?: { type: string; options: Record<string, unknown> } }) {
	const { source } = pair;
	const flow = await source.api<{ id: string }>('POST', '/flows', { name: 'composed', status: 'active', trigger: 'webhook', accountability: 'all', options: { method: 'POST', async: false, return: '$all' } });
	const step = async (key: string, spec: { type: string; options: Record<string, unknown> } | undefined, y: number) =>
		spec ? (await source.api<{ id: string }>('POST', '/operations', { flow: flow.id, key, name: key, type: spec.type, position_x: 40, position_y: y, options: spec.options })).id : null;
	const resolve = await step('on_success', paths.resolve, 1);
	const reject = await step('on_failure', paths.reject, 20);
	const migrateId = (await source.api<{ id: string }>('POST', '/operations', { flow: flow.id, key: 'migrate', name: 'migrate', type: 'migration-migrate-tables', position_x: 20, position_y: 1, options: migrate, resolve, reject })).id;
	await source.api('PATCH', `/flows/${flow.id}`, { operation: migrateId });
	return {
		trigger: async () => {
			const response = await fetch(`${source.url}/flows/trigger/${flow.id}`, { method: 'POST', headers: { Authorization: `Bearer ${source.token}`, 'Content-Type': 'application/json' }, body: '{}' });
			return JSON.parse(await response.text()) as Record<string, any>;
		},
		remove: () => source.api('DELETE', `/flows/${flow.id}`),
	};
}

describe('migration-rollback of deletions', () => {
	it('re-creates the rows a deleteMissing run deleted, with their keys and values', async () => {
		const { source, destination } = pair;
		const temporary = await source.api<{ id: number; name: string }[]>('POST', '/items/authors', [{ name: 'Temp one' }, { name: 'Temp two' }]);
		expect((await migrate({ collections: 'authors' })).resolved).toBe(true);
		await source.api('DELETE', '/items/authors', temporary.map((row) => row.id));
		const deleting = await migrate({ collections: 'authors', deleteMissing: true, maxDeleteShare: 1 });
		expect(deleting.resolved, JSON.stringify(deleting.last).slice(0, 2000)).toBe(true);
		expect(deleting.last.collections.authors.deleted).toBe(2);

		const undone = await rollback({ dryRun: false });
		expect(undone.resolved, JSON.stringify(undone.last).slice(0, 2000)).toBe(true);
		expect(undone.last.collections.authors).toMatchObject({ recreated: 2, conflicts: 0 });
		const back = await destination.api<{ id: number; name: string }[]>('GET', `/items/authors?filter[id][_in]=${temporary.map((row) => row.id).join(',')}&fields=id,name&sort=id`);
		expect(back).toEqual(temporary.map(({ id, name }) => ({ id, name })));
	});
});

describe('migration-verify with repair', () => {
	it('leaves a record with a journal, and migration-rollback undoes its repairs', async () => {
		const { destination } = pair;
		const [author] = await destination.api<{ id: number; name: string }[]>('GET', '/items/authors?filter[name][_eq]=Grace&fields=id,name');
		await destination.api('PATCH', `/items/authors/${author!.id}`, { name: 'Grace (edited on the destination)' });
		const repaired = await withFlow(pair.source, [{ key: 'verify', type: 'migration-verify', options: { collections: 'authors', repair: true } }], (flow) => flow.trigger());
		expect(repaired.resolved, JSON.stringify(repaired.last).slice(0, 2000)).toBe(true);
		const record = await runRecord(repaired.last.runId);
		expect(record).toMatchObject({ operation: 'migration-verify', outcome: 'succeeded' });
		expect(record.journal?.entries).toBeGreaterThan(0);
		const [fixed] = await destination.api<{ name: string }[]>('GET', `/items/authors?filter[id][_eq]=${author!.id}&fields=name`);
		expect(fixed!.name).toBe('Grace');

		const undone = await rollback({ dryRun: false, run: record.id });
		expect(undone.resolved, JSON.stringify(undone.last).slice(0, 2000)).toBe(true);
		const [back] = await destination.api<{ name: string }[]>('GET', `/items/authors?filter[id][_eq]=${author!.id}&fields=name`);
		expect(back!.name).toBe('Grace (edited on the destination)');
	});
});

describe('notify', () => {
	let me: string;
	beforeAll(async () => {
		me = (await pair.source.api<{ id: string }>('GET', '/users/me?fields=id')).id;
	});

	it('notify: $trigger sends the user who started the run a notification with the outcome, the counts and a link to the record', async () => {
		await pair.source.api('POST', '/items/authors', [{ name: 'Notified' }]);
		const run = await migrate({ collections: 'authors', notify: ['$trigger'] });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		const [latest] = await notificationsOf(me);
		expect(latest!.subject).toBe(`Migration succeeded: migration-migrate-tables to ${new URL(pair.destination.url).host}`);
		expect(run.last.collections.authors.created).toBeGreaterThan(0);
		const { created, updated, unchanged } = run.last.collections.authors;
		expect(latest!.message).toContain(`Items: ${created} created, ${updated} updated, ${unchanged} unchanged, 0 deleted, 0 failed.`);
		expect(latest!.message).toContain(`/migration-runs/${run.last.runId}`);
		expect(JSON.stringify(latest)).not.toContain(pair.destination.token);
	});

	it('notify with listed users tells each of them, also when the run fails', async () => {
		const other = await pair.source.api<{ id: string }>('POST', '/users', { email: 'watcher@example.com', password: 'not-used-1234', first_name: 'Watcher' });
		const run = await migrate({ collections: 'authors', destinationUrl: 'http://127.0.0.1:9', notify: other.id });
		expect(run.resolved).toBe(false);
		const [latest] = await notificationsOf(other.id);
		expect(latest!.subject).toContain(`Migration failed (${run.last.code})`);
		expect(latest!.message).toContain(`/migration-runs/${run.last.runId}`);
	});

	it('composed: a notification operation on the reject path tells the admin why the migration failed', async () => {
		const flow = await flowWithPaths(
			{ collections: 'authors', destinationUrl: 'http://127.0.0.1:9' },
			{ reject: { type: 'notification', options: { recipient: [me], subject: 'Publishing failed', message: '{{migrate.code}}: {{migrate.message}}' } } },
		);
		try {
			const all = await flow.trigger();
			expect(all['migrate'].code).toBeDefined();
			const [latest] = await notificationsOf(me);
			expect(latest).toMatchObject({ subject: 'Publishing failed', message: `${all['migrate'].code}: ${all['migrate'].message}` });
		} finally {
			await flow.remove();
		}
	});

	it('composed: a request operation posts the result to a callback URL', async () => {
		const callback = await new CaptureServer('127.0.0.1').start();
		const flow = await flowWithPaths(
			{ collections: 'authors' },
			{ resolve: { type: 'request', options: { method: 'POST', url: `${callback.url}/migrated`, headers: [{ header: 'Content-Type', value: 'application/json' }], body: '{{migrate}}' } } },
		);
		try {
			const all = await flow.trigger();
			expect(all['migrate'].ok).toBe(true);
			expect(callback.received).toHaveLength(1);
			const posted = JSON.parse(callback.received[0]!.body);
			expect(posted).toMatchObject({ operation: 'migration-migrate-tables', ok: true, runId: all['migrate'].runId });
			expect(callback.transcript).not.toContain(pair.destination.token);
		} finally {
			await flow.remove();
			await callback.stop();
		}
	});
});

describe('artifacts', () => {
	const migrationFiles = () => pair.source.api<{ id: string; filename_download: string }[]>('GET', '/files?filter[folder][name][_eq]=Migrations&fields=id,filename_download&limit=-1');
	const text = async (id: string) => (await fetch(`${pair.source.url}/assets/${id}`, { headers: { Authorization: `Bearer ${pair.source.token}` } })).text();

	it('artifacts: true saves the counts and the files moved into the Migrations folder, named after the run; a dry run saves none', async () => {
		const { source } = pair;
		const cover = await uploadFile(source, 'artifact-cover', 3000, { title: 'Artifact cover' });
		const article = await source.api<{ id: string }>('POST', '/items/articles', { title: 'With artifacts', cover });
		const before = await migrationFiles();
		const dry = await migrate({ collections: 'articles', keys: article.id, includeRelated: true, artifacts: true, dryRun: true });
		expect(dry.resolved).toBe(true);
		expect(await migrationFiles()).toEqual(before);

		const run = await migrate({ collections: 'articles', keys: article.id, includeRelated: true, artifacts: true });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		const record = await runRecord(run.last.runId);
		expect(record.artifacts!.map((artifact) => artifact.name)).toEqual(['counts.json', 'files.ndjson']);
		const saved = new Map((await migrationFiles()).map((file) => [file.id, file.filename_download]));
		for (const artifact of record.artifacts!) expect(saved.get(artifact.file)).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT.* run ${record.id} ${artifact.name.replace('.', '\\.')}$`));
		const counts = JSON.parse(await text(record.artifacts![0]!.file));
		expect(counts).toMatchObject({ runId: record.id, outcome: 'succeeded', collections: { articles: { created: 1 } }, files: { transferred: 1 } });
		const moved = (await text(record.artifacts![1]!.file)).trim().split('\n').map((line) => JSON.parse(line));
		expect(moved).toEqual([{ id: cover, filesize: 3000 }]);
		for (const artifact of record.artifacts!) expect(await text(artifact.file)).not.toContain(pair.destination.token);
	});

	it('migration-schema-sync with artifacts: true saves the schema snapshot it applied', async () => {
		await pair.source.api('POST', '/fields/authors', { field: 'bio', type: 'text', meta: { interface: 'input-multiline' }, schema: {} });
		const run = await withFlow(pair.source, [{ key: 'schema', type: 'migration-schema-sync', options: { dryRun: false, artifacts: true } }], (flow) => flow.trigger());
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		const record = await runRecord(run.last.runId);
		const schema = record.artifacts!.find((artifact) => artifact.name === 'schema.json');
		const snapshot = JSON.parse(await text(schema!.file));
		expect(snapshot.fields.some((field: { collection: string; field: string }) => field.collection === 'authors' && field.field === 'bio')).toBe(true);
		expect(JSON.stringify(snapshot)).not.toContain(pair.destination.token);
	});
});

describe('migration-rollback of a singleton', () => {
	it('gives the fields of a singleton the run wrote their previous values back', async () => {
		const { source, destination } = pair;
		const title = async () => (await destination.api<{ site_title: string | null }>('GET', '/items/site_settings?fields=site_title')).site_title;
		await source.api('PATCH', '/items/site_settings', { site_title: 'Before' });
		expect((await migrate({ collections: 'site_settings' })).resolved).toBe(true);
		expect(await title()).toBe('Before');

		await source.api('PATCH', '/items/site_settings', { site_title: 'After' });
		const run = await migrate({ collections: 'site_settings' });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		expect(await title()).toBe('After');

		const preview = await rollback({ run: run.last.runId });
		expect(preview.last.collections.site_settings, JSON.stringify(preview.last).slice(0, 2000)).toMatchObject({ restored: 1, conflicts: 0 });
		expect(await title()).toBe('After');
		const undone = await rollback({ run: run.last.runId, dryRun: false });
		expect(undone.resolved, JSON.stringify(undone.last).slice(0, 2000)).toBe(true);
		expect(undone.last.collections.site_settings).toMatchObject({ restored: 1, conflicts: 0, failed: 0 });
		expect(await title()).toBe('Before');
	});
});
