import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlow, withFlow } from '../harness/flows.ts';
import type { DirectusInstance } from '../harness/instance.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { selectAsText } from '../harness/raw-sql.ts';
import { auditFields, createCollection, integerKey, linkAuditFields, stringField } from '../harness/schema-fixtures.ts';

/**
 * The receiver: the bundle installed on the destination too. Items land with the source's own stamps,
 * in one transaction per batch, without an activity or revision row per item unless asked; its routes
 * are for admins only and refuse bad payloads before writing anything. A destination without the
 * bundle, or with another major version of it, is written over REST.
 */
const NOTES = 1250;
const RECEIVER_MEDIA_TYPE = 'application/x-directus-migration';
const OLD_DATE = '2020-01-02T03:04:05.000Z';
const STAMPS = 'id,title,date_created,date_updated,user_created,user_updated';

const run = (pair: Pair, type: string, options: Record<string, unknown>) => withFlow(pair.source, [{ key: 'step', type, options }], (flow) => flow.trigger());
const count = async (instance: DirectusInstance, path: string) => Number((await instance.api<{ count: number | string }[]>('GET', `${path}${path.includes('?') ? '&' : '?'}aggregate[count]=*`))[0]!.count);
const rows = (instance: DirectusInstance, fields = STAMPS) => instance.api<Record<string, unknown>[]>('GET', `/items/notes?limit=-1&sort=id&fields=${fields}`);

/** Notes on the source, written by `author` (so their user stamps name a user the destination also has) with an old date_created. */
async function seedNotes(pair: Pair, authorToken: string, authorId: string): Promise<void> {
	await createCollection(pair.source, 'notes', [integerKey, stringField('title'), ...auditFields]);
	await linkAuditFields(pair.source, 'notes');
	for (let start = 0; start < NOTES; start += 500) {
		const size = Math.min(500, NOTES - start);
		const created = await pair.source.api<{ id: number }[]>('POST', '/items/notes?fields=id', Array.from({ length: size }, (_, index) => ({ title: `Note ${start + index + 1}` })));
		await pair.source.api('PATCH', '/items/notes', { keys: created.map((row) => row.id), data: { date_created: OLD_DATE, user_created: authorId } }, authorToken);
	}
}

/** The same user (same id) on both sides, an admin, with a static token on the source. */
async function createAuthor(pair: Pair): Promise<{ id: string; token: string }> {
	const id = randomUUID();
	const token = `author-${randomUUID()}`;
	for (const instance of [pair.source, pair.destination]) {
		const me = await instance.api<{ role: string }>('GET', '/users/me?fields=role');
		await instance.api('POST', '/users', { id, email: 'author@example.com', role: me.role, ...(instance === pair.source ? { token } : {}) });
	}
	return { id, token };
}

async function receiverCall(instance: DirectusInstance, path: string, body: unknown, token: string | null = instance.token) {
	const response = await fetch(`${instance.url}/migration-receiver${path}`, {
		method: 'POST',
		headers: { 'Content-Type': RECEIVER_MEDIA_TYPE, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
		body: typeof body === 'string' ? body : JSON.stringify(body),
	});
	const json = (await response.json().catch(() => null)) as { errors?: { extensions?: { code?: string } }[] } | null;
	return { status: response.status, code: json?.errors?.[0]?.extensions?.code, json };
}

describe('through the receiver (the bundle on both sides)', () => {
	let pair: Pair;
	let author: { id: string; token: string };

	beforeAll(async () => {
		pair = await startPair({ destinationEnv: { MIGRATION_RECEIVER_MAX_BODY_BYTES: '2000000' } });
		author = await createAuthor(pair);
		await seedNotes(pair, author.token, author.id);
		await createCollection(pair.source, 'members', [
			integerKey,
			stringField('name'),
			{ field: 'pin', type: 'hash', meta: { interface: 'input-hash', special: ['hash', 'conceal'] }, schema: {} },
		]);
		await pair.source.api('POST', '/items/members', Array.from({ length: 150 }, (_, index) => ({ name: `Member ${index + 1}`, pin: `pin-${index + 1}` })));
		const schema = await run(pair, 'migration-schema-sync', { dryRun: false });
		expect(schema.resolved, JSON.stringify(schema.last).slice(0, 1500)).toBe(true);
	});
	afterAll(async () => {
		await pair?.stop();
	});

	it('migration-check reports the destination receiver and its version', async () => {
		const check = await run(pair, 'migration-check', {});
		expect(check.resolved, JSON.stringify(check.last).slice(0, 1500)).toBe(true);
		expect(check.last.destination.receiver).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
		expect(check.last.warnings).toEqual([]);
	});

	it('a first copy keeps every stamp exactly, writes no activity or revision row, and verifies with the stamps compared', async () => {
		const migrate = await run(pair, 'migration-migrate-tables', { collections: ['notes'], verify: true, batchSize: 100 });
		expect(migrate.resolved, JSON.stringify(migrate.last).slice(0, 2000)).toBe(true);
		expect(migrate.last.writePath).toBe('receiver');
		expect(migrate.last.collections.notes).toMatchObject({ created: NOTES, failed: 0 });
		expect(migrate.last.verify.inSync).toBe(true);
		expect(JSON.stringify(migrate.last.verify)).not.toContain('STAMPED_BY_DESTINATION');

		const source = await rows(pair.source);
		expect(source[0]).toMatchObject({ date_created: OLD_DATE, user_created: author.id, user_updated: author.id });
		expect(await rows(pair.destination)).toEqual(source);
		expect(await count(pair.destination, '/activity?filter[collection][_eq]=notes')).toBe(0);
		expect(await count(pair.destination, '/revisions?filter[collection][_eq]=notes')).toBe(0);
		// The run's own audit: one activity row (who, from where) and its revision (what: counts), nothing per item.
		const runs = await pair.destination.api('GET', '/activity?filter[action][_eq]=run&filter[collection][_eq]=directus_extensions&fields=user,item,revisions.data');
		expect(runs).toEqual([expect.objectContaining({ user: expect.any(String), item: expect.any(String) })]);
		expect(runs[0].revisions).toEqual([
			{ data: expect.objectContaining({ operation: 'migration-migrate-tables', collections: ['notes'], rows: NOTES, counts: { created: NOTES, updated: 0, deleted: 0, failed: 0 } }) },
		]);
	});

	it('hashed fields arrive as their stored hash (not hashed again): they verify, and a re-run finds them unchanged', async () => {
		const migrate = await run(pair, 'migration-migrate-tables', { collections: ['members'], verify: true });
		expect(migrate.resolved, JSON.stringify(migrate.last).slice(0, 2000)).toBe(true);
		expect(migrate.last.collections.members).toMatchObject({ created: 150, failed: 0 });
		expect(migrate.last.warnings.filter((warning: { field?: string }) => warning.field === 'pin')).toEqual([]);
		expect(migrate.last.verify.inSync).toBe(true);
		const sql = 'select id, pin from members order by id';
		const stored = selectAsText(pair.source, sql);
		expect(stored[0]![1]).toMatch(/^\$argon2/);
		expect(selectAsText(pair.destination, sql)).toEqual(stored);

		const again = await run(pair, 'migration-migrate-tables', { collections: ['members'] });
		expect(again.last.collections.members).toMatchObject({ created: 0, updated: 0, unchanged: 150 });
	});

	it('migration-verify compares chunks by checksums the destination computes, and names the rows that differ or are missing', async () => {
		await pair.destination.api('PATCH', '/items/notes/10', { title: 'edited on the destination' });
		await pair.destination.api('DELETE', '/items/notes/11');
		const verify = await run(pair, 'migration-verify', { collections: ['notes'], batchSize: 500 });
		expect(verify.last).toMatchObject({ code: 'OUT_OF_SYNC', writePath: 'receiver' });
		expect(verify.last.collections.notes).toMatchObject({ rows: NOTES, missing: 1, differing: 1, missingKeys: [11] });
		expect(verify.last.collections.notes.differingRows).toEqual([expect.objectContaining({ key: 10, fields: ['title'] })]);
		// 3 chunks: a checksum request each, one read of the one differing row, the key count; not a read of every row.
		expect(verify.last.requests.requests).toBeLessThan(12);

		const repaired = await run(pair, 'migration-verify', { collections: ['notes'], repair: true });
		expect(repaired.resolved, JSON.stringify(repaired.last).slice(0, 1500)).toBe(true);
		expect(repaired.last.repair).toMatchObject({ created: 1, updated: 1, failed: 0 });
		// The destination's own edit stamped row 10 (a standalone verify leaves stamps out): the next copy puts the source's back.
		const settle = await run(pair, 'migration-migrate-tables', { collections: ['notes'] });
		expect(settle.last.collections.notes).toMatchObject({ created: 0, updated: 1, failed: 0 });
		expect(await rows(pair.destination)).toEqual(await rows(pair.source));
	});

	it('a re-run compares rows by checksums: rows equal on both sides are not read from the destination, rows edited or deleted there are found and written back', async () => {
		await pair.destination.api('PATCH', '/items/notes/20', { title: 'edited on the destination' });
		await pair.destination.api('DELETE', '/items/notes/21');
		const logStart = readFileSync(pair.destination.logFile, 'utf8').length;
		const again = await run(pair, 'migration-migrate-tables', { collections: ['notes'], batchSize: 100 });
		expect(again.resolved, JSON.stringify(again.last).slice(0, 1500)).toBe(true);
		expect(again.last.collections.notes).toMatchObject({ created: 1, updated: 1, unchanged: NOTES - 2, failed: 0 });
		// Reads of the destination's rows: only the edited one, to compare it and for the run's journal before it
		// is written (each of the 13 batches of 100 was read before).
		const requests = readFileSync(pair.destination.logFile, 'utf8').slice(logStart).split('\n').filter((line) => line.includes('"url":"/items/notes'));
		const reads = requests.filter((line) => line.includes('"method":"SEARCH"') || line.includes('"method":"GET"'));
		expect(reads.length).toBeLessThanOrEqual(2);
		expect(await rows(pair.destination)).toEqual(await rows(pair.source));
	});

	it('includePasswords copies password hashes so a migrated user signs in on the destination with their own password', async () => {
		const password = `Walk-${randomUUID()}`;
		await pair.source.api('POST', '/users', { email: 'walker@example.com', password });
		const signIn = () =>
			fetch(`${pair.destination.url}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'walker@example.com', password }) });

		const without = await run(pair, 'migration-system', { scope: ['users'], dryRun: false });
		expect(without.resolved, JSON.stringify(without.last).slice(0, 1500)).toBe(true);
		expect(without.last.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'PASSWORD_RESET_REQUIRED' })]));
		expect((await signIn()).status).toBe(401);

		const withPasswords = await run(pair, 'migration-system', { scope: ['users'], dryRun: false, includePasswords: true });
		expect(withPasswords.resolved, JSON.stringify(withPasswords.last).slice(0, 1500)).toBe(true);
		expect(withPasswords.last.passwords.copied).toBeGreaterThanOrEqual(1);
		const hash = selectAsText(pair.source, "select password from directus_users where email = 'walker@example.com'")[0]![0]!;
		expect(JSON.stringify(withPasswords.all)).not.toContain(hash);
		const signedIn = await signIn();
		expect(signedIn.status).toBe(200);
		expect(((await signedIn.json()) as { data: { access_token?: string } }).data.access_token).toBeTruthy();
	});

	it('new rows on the destination take keys after the copied ones (the key sequence moved past them)', async () => {
		const created = await pair.destination.api<{ id: number }>('POST', '/items/notes?fields=id', { title: 'made on the destination' });
		expect(created.id).toBeGreaterThan(NOTES);
		await pair.destination.api('DELETE', `/items/notes/${created.id}`);
	});

	it('trackActivity and emitEvents bring back an activity row, a revision and the events of each written item', async () => {
		const hook = await createFlow(pair.destination, [], {
			name: 'notes hook',
			trigger: { type: 'event', options: { type: 'action', scope: ['items.update'], collections: ['notes'] } },
		});
		try {
			// The destination's own writes of the test before left activity of their own: counted from here.
			const activity = () => count(pair.destination, '/activity?filter[collection][_eq]=notes');
			const revisions = () => count(pair.destination, '/revisions?filter[collection][_eq]=notes');
			const [activity0, revisions0] = [await activity(), await revisions()];
			await pair.source.api('PATCH', '/items/notes', { keys: [1, 2, 3], data: { title: 'Changed' } }, author.token);
			const quiet = await run(pair, 'migration-migrate-tables', { collections: ['notes'] });
			expect(quiet.last.collections.notes).toMatchObject({ updated: 3, failed: 0 });
			expect(await activity()).toBe(activity0);
			expect(await revisions()).toBe(revisions0);
			expect(await count(pair.destination, `/activity?filter[collection][_eq]=directus_flows&filter[action][_eq]=run&filter[item][_eq]=${hook.id}`)).toBe(0);

			await pair.source.api('PATCH', '/items/notes', { keys: [4, 5], data: { title: 'Changed again' } }, author.token);
			const loud = await run(pair, 'migration-migrate-tables', { collections: ['notes'], trackActivity: true, emitEvents: true });
			expect(loud.last.collections.notes).toMatchObject({ updated: 2, failed: 0 });
			expect(await activity()).toBe(activity0 + 2);
			expect(await revisions()).toBe(revisions0 + 2);
			await expect.poll(() => count(pair.destination, `/activity?filter[collection][_eq]=directus_flows&filter[action][_eq]=run&filter[item][_eq]=${hook.id}`)).toBe(2);
			expect(await rows(pair.destination)).toEqual(await rows(pair.source));
		} finally {
			await hook.remove();
		}
	});

	it('a batch with one refused row writes nothing of the batch, and the run reports that row by key and writes the rest', async () => {
		const batch = { action: 'create', rows: [{ id: 90001, title: 'fine' }, { id: 1, title: 'duplicate key' }] };
		const refused = await receiverCall(pair.destination, '/items/notes', batch);
		expect(refused.status).toBeGreaterThanOrEqual(400);
		expect(refused.status).toBeLessThan(500);
		expect(refused.code).toBeTruthy();
		expect(await count(pair.destination, '/items/notes?filter[id][_eq]=90001')).toBe(0);

		// A row only the destination refuses (its title is required there): the run names it, the others land.
		await pair.source.api('POST', '/items/notes', [{ id: 90010, title: 'ok 1' }, { id: 90011, title: null }, { id: 90012, title: 'ok 2' }]);
		await pair.destination.api('PATCH', '/fields/notes/title', { schema: { is_nullable: false } });
		try {
			const migrate = await run(pair, 'migration-migrate-tables', { collections: ['notes'] });
			expect(migrate.resolved).toBe(false);
			expect(migrate.last).toMatchObject({ code: 'ITEMS_FAILED', writePath: 'receiver' });
			expect(migrate.last.failures.items).toEqual([expect.objectContaining({ collection: 'notes', key: 90011 })]);
			expect(await count(pair.destination, '/items/notes?filter[id][_in]=90010,90012')).toBe(2);
		} finally {
			await pair.destination.api('PATCH', '/fields/notes/title', { schema: { is_nullable: true } });
		}
	});

	it('updatedAfter auto asks the receiver which keys it lacks, one request for up to 10,000 keys, and writes back rows deleted there that the date filter cannot see', async () => {
		// Rows brought in with an old date_updated (an import): older than any marker.
		await pair.source.api('POST', '/items/notes?fields=id', Array.from({ length: 30 }, (_, index) => ({ id: 5001 + index, title: `Imported ${index}`, date_updated: OLD_DATE })));
		const first = await run(pair, 'migration-migrate-tables', { collections: ['notes'], updatedAfter: 'auto' });
		expect(first.resolved, JSON.stringify(first.last).slice(0, 1500)).toBe(true);
		await pair.destination.api('DELETE', '/items/notes', [5010, 5011, 5012]);
		const logStart = readFileSync(pair.destination.logFile, 'utf8').length;
		const again = await run(pair, 'migration-migrate-tables', { collections: ['notes'], updatedAfter: 'auto' });
		expect(again.resolved, JSON.stringify(again.last).slice(0, 1500)).toBe(true);
		expect(again.last.collections.notes).toMatchObject({ created: 3, failed: 0 });
		expect(again.last.missingPickedUp).toEqual({ notes: 3 });
		const lookups = readFileSync(pair.destination.logFile, 'utf8').slice(logStart).split('\n').filter((line) => line.includes('"url":"/migration-receiver/absent/notes'));
		expect(lookups).toHaveLength(1);
		expect(await rows(pair.destination, 'id,title')).toEqual(await rows(pair.source, 'id,title'));

		// A tick with nothing new writes nothing to the destination: no finish (no audit row, no cache
		// purge), the marker left where it is, and not even the lease taken: two requests that only read,
		// the open and the key look-up (whose answer says the lease stayed free). (The marker is set past
		// the notes' dates first: those of the rows seeded a moment ago are within its 60 s margin.)
		const [marker] = await pair.destination.api<{ id: number; layout_options: any }[]>('GET', '/presets?filter[bookmark][_starts_with]=Migration sync marker&fields=id,layout_options');
		marker!.layout_options.migrationSync.watermarks.notes = new Date().toISOString();
		const patchLine = `"method":"PATCH","url":"/presets/${marker!.id}`;
		const patches = () => readFileSync(pair.destination.logFile, 'utf8').split(patchLine).length;
		const patched = patches();
		await pair.destination.api('PATCH', `/presets/${marker!.id}`, { layout_options: marker!.layout_options });
		// The server's log reaches its file a moment after the answer: the quiet run's lines start after it.
		await expect.poll(patches).toBe(patched + 1);
		const quietStart = readFileSync(pair.destination.logFile, 'utf8').length;
		const quiet = await run(pair, 'migration-migrate-tables', { collections: ['notes'], updatedAfter: 'auto' });
		expect(quiet.resolved, JSON.stringify(quiet.last).slice(0, 1500)).toBe(true);
		expect(quiet.last.collections.notes).toMatchObject({ created: 0, updated: 0, failed: 0 });
		const writes = readFileSync(pair.destination.logFile, 'utf8')
			.slice(quietStart)
			.split('\n')
			.filter((line) => /"method":"(POST|PATCH|DELETE)"/.test(line))
			.map((line) => /"url":"([^"?]*)/.exec(line)?.[1]);
		expect(writes).toEqual(['/migration-receiver/open', '/migration-receiver/absent/notes']);
		expect(quiet.last.lease).toMatchObject({ acquiredAt: null, readOnly: true });
		expect(quiet.last.requests.requests).toBe(2);
		const after = await pair.destination.api<{ layout_options: any }>('GET', `/presets/${marker!.id}?fields=layout_options`);
		expect(after.layout_options.migrationSync.watermarks.notes).toBe(marker!.layout_options.migrationSync.watermarks.notes);
	});

	describe('its routes', () => {
		const before = () => count(pair.destination, '/items/notes');

		it('name the keys a dense run of integer keys lacks on the destination, keys sent as numbers or as text', async () => {
			// 1,200 consecutive keys (a page of a key walk reads their range whole), three of them gone.
			const keys = Array.from({ length: 1200 }, (_, index) => 300_001 + index);
			await pair.destination.api('POST', '/items/notes?fields=id', keys.map((id) => ({ id, title: `dense ${id}` })));
			try {
				await pair.destination.api('DELETE', '/items/notes', [300_001, 300_600, 301_200]);
				const asked = keys.map((key, index) => (index % 2 === 0 ? key : String(key)));
				const answer = await receiverCall(pair.destination, '/absent/notes', { keys: asked });
				expect(answer.status).toBe(200);
				expect((answer.json as unknown as { data: { absent: unknown[] } }).data.absent).toEqual([300_001, '300600', '301200']);
				// Keys beyond the range are absent too, whatever rows lie between.
				const sparse = await receiverCall(pair.destination, '/absent/notes', { keys: [...keys.slice(1, 1100), 999_999_999] });
				expect((sparse.json as unknown as { data: { absent: unknown[] } }).data.absent).toEqual([300_600, 999_999_999]);
			} finally {
				await pair.destination.api('DELETE', '/items/notes', { query: { filter: { id: { _gte: 300_001 } } } });
			}
		});

		it('name the keys runs of integer keys lack: counted when none is missing, read when some are; the answer says how the lease stands', async () => {
			const keys = Array.from({ length: 1200 }, (_, index) => 400_001 + index);
			await pair.destination.api('POST', '/items/notes?fields=id', keys.map((id) => ({ id, title: `run ${id}` })));
			try {
				const absent = async (ranges: [number, number][]) => {
					const answer = await receiverCall(pair.destination, '/absent/notes', { ranges });
					expect(answer.status, JSON.stringify(answer.json)).toBe(200);
					return (answer.json as unknown as { data: { absent: unknown[]; lease: unknown } }).data;
				};
				const whole = await absent([[400_001, 400_600], [400_700, 401_200]]);
				expect(whole.absent).toEqual([]);
				expect(whole.lease).toMatchObject({ free: true, generation: expect.any(Number) });
				// Rows of the destination outside the runs (400,601–400,699) do not make up for missing ones.
				await pair.destination.api('DELETE', '/items/notes', [400_001, 400_650, 401_200]);
				expect((await absent([[400_001, 400_600], [400_700, 401_200]])).absent).toEqual([400_001, 401_200]);
				expect((await absent([[400_000, 400_002], [999_999_998, 999_999_999]])).absent).toEqual([400_000, 400_001, 999_999_998, 999_999_999]);
			} finally {
				await pair.destination.api('DELETE', '/items/notes', { query: { filter: { id: { _gte: 400_000 } } } });
			}
			expect(await receiverCall(pair.destination, '/absent/notes', { ranges: [[5, 4]] })).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
			expect(await receiverCall(pair.destination, '/absent/notes', { ranges: [[1, 10_001]] })).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
			expect(await receiverCall(pair.destination, '/absent/notes', { ranges: [[1, 2]], keys: [1] })).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
		});

		it('open a run in one request that only reads: the version, the lease, the fields and the sync marker asked for (admins only)', async () => {
			const [marker] = await pair.destination.api<{ id: number; bookmark: string; layout_options: unknown }[]>('GET', '/presets?filter[bookmark][_starts_with]=Migration sync marker&fields=id,bookmark,layout_options');
			expect(marker).toBeDefined();
			const activityBefore = await pair.destination.api<{ count: number | string }[]>('GET', '/activity?aggregate[count]=*');
			const opened = await receiverCall(pair.destination, '/open', { fields: true, marker: marker!.bookmark });
			expect(opened.status).toBe(200);
			const data = (opened.json as unknown as { data: Record<string, any> }).data;
			expect(data).toMatchObject({ receiver: 'migration-receiver', version: expect.any(String), lease: { free: true, generation: expect.any(Number) } });
			expect(data['marker']).toEqual({ id: marker!.id, layout_options: marker!.layout_options });
			const viaRest = await pair.destination.api<{ field: string }[]>('GET', '/fields/notes');
			expect(data['fields'].notes.sort()).toEqual(viaRest.map((field) => field.field).sort());
			const bare = (await receiverCall(pair.destination, '/open', { marker: 'no such marker' })).json as unknown as { data: Record<string, unknown> };
			expect(bare.data['marker']).toBeNull();
			expect(bare.data['fields']).toBeUndefined();
			expect(await pair.destination.api('GET', '/activity?aggregate[count]=*')).toEqual(activityBefore);
			expect(await receiverCall(pair.destination, '/open', {}, null)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
			expect(await receiverCall(pair.destination, '/open', { fields: 'yes' })).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
		});

		it('name the destination\'s fields by collection (admins only), and a run reads them there instead of GET /fields', async () => {
			const response = await fetch(`${pair.destination.url}/migration-receiver/fields`, { headers: { Authorization: `Bearer ${pair.destination.token}` } });
			const fields = ((await response.json()) as { data: Record<string, string[]> }).data;
			const viaRest = await pair.destination.api<{ field: string }[]>('GET', '/fields/notes');
			expect(fields['notes']!.sort()).toEqual(viaRest.map((field) => field.field).sort());
			const anonymous = await fetch(`${pair.destination.url}/migration-receiver/fields`);
			expect(anonymous.status).toBe(401);

			const logStart = readFileSync(pair.destination.logFile, 'utf8').length;
			const migrate = await run(pair, 'migration-migrate-tables', { collections: ['notes'] });
			expect(migrate.resolved, JSON.stringify(migrate.last).slice(0, 1500)).toBe(true);
			const urls = readFileSync(pair.destination.logFile, 'utf8')
				.slice(logStart)
				.split('\n')
				.map((line) => /"method":"GET","url":"([^"?]*)/.exec(line)?.[1])
				.filter(Boolean);
			expect(urls).toContain('/migration-receiver/fields');
			expect(urls).not.toContain('/fields');
		});

		it('refuse a request without a token (401) and a non-admin token (403), writing nothing', async () => {
			const rows0 = await before();
			const editorToken = `editor-${randomUUID()}`;
			await pair.destination.api('POST', '/users', { email: 'editor@example.com', token: editorToken });
			const batch = { action: 'create', rows: [{ id: 91000, title: 'intruder' }] };
			expect(await receiverCall(pair.destination, '/items/notes', batch, null)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
			expect(await receiverCall(pair.destination, '/items/notes', batch, editorToken)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
			expect(await receiverCall(pair.destination, '/absent/notes', { keys: [1] }, editorToken)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
			expect(await receiverCall(pair.destination, '/open', { fields: true }, editorToken)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
			expect(await receiverCall(pair.destination, '/lease', { action: 'peek' }, editorToken)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
			expect(await receiverCall(pair.destination, '/lease', { action: 'release', run: randomUUID(), generation: 1 }, editorToken)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
			expect(await receiverCall(pair.destination, '/lease', { action: 'release', run: randomUUID(), generation: 1 }, null)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
			const info = await fetch(`${pair.destination.url}/migration-receiver/`, { headers: { Authorization: `Bearer ${editorToken}` } });
			expect(info.status).toBe(403);
			expect(await before()).toBe(rows0);
		});

		it('refuse an unknown collection, a system collection, an unknown field, a wrong type, an unknown key and an oversized body, each with its code, writing nothing', async () => {
			const rows0 = await before();
			const users0 = await count(pair.destination, '/users');
			expect(await receiverCall(pair.destination, '/items/nothing_here', { action: 'create', rows: [{ id: 1 }] })).toMatchObject({ status: 404, code: 'UNKNOWN_COLLECTION' });
			expect(await receiverCall(pair.destination, '/items/directus_users', { action: 'create', rows: [{ id: randomUUID(), email: 'x@example.com' }] })).toMatchObject({
				status: 404,
				code: 'UNKNOWN_COLLECTION',
			});
			expect(await receiverCall(pair.destination, '/items/notes', { action: 'create', rows: [{ id: 92000, 'title"; drop table notes; --': 'x' }] })).toMatchObject({
				status: 400,
				code: 'UNKNOWN_FIELD',
			});
			expect(await receiverCall(pair.destination, '/items/notes', { action: 'create', rows: [{ id: 'not a number', title: 'x' }] })).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
			expect(await receiverCall(pair.destination, '/items/notes', { action: 'create', rows: [{ id: 92001 }], sneaky: true })).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
			expect(await receiverCall(pair.destination, '/items/notes', '{"action": "create", "rows": [')).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
			const big = { action: 'create', rows: Array.from({ length: 900 }, (_, index) => ({ id: 93000 + index, title: 'x'.repeat(3000) })) };
			expect(await receiverCall(pair.destination, '/items/notes', big)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
			expect(await receiverCall(pair.destination, '/absent/nothing_here', { keys: [1] })).toMatchObject({ status: 404, code: 'UNKNOWN_COLLECTION' });
			expect(await receiverCall(pair.destination, '/absent/directus_users', { keys: [randomUUID()] })).toMatchObject({ status: 404, code: 'UNKNOWN_COLLECTION' });
			expect(await receiverCall(pair.destination, '/absent/notes', { keys: [{ id: 1 }] })).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
			expect(await receiverCall(pair.destination, '/absent/notes', { keys: Array.from({ length: 10_001 }, (_, index) => index) })).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
			expect(await receiverCall(pair.destination, '/lease', { action: 'take', run: 'not-a-uuid', operation: 'x', source: 'y', leaseSeconds: 10 })).toMatchObject({ status: 400, code: 'INVALID_PAYLOAD' });
			const many = { action: 'create', rows: Array.from({ length: 1001 }, (_, index) => ({ id: 94000 + index })) };
			expect(await receiverCall(pair.destination, '/items/notes', many)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
			expect(await before()).toBe(rows0);
			expect(await count(pair.destination, '/users')).toBe(users0);
		});
	});
});

describe('a destination without the bundle (a mixed pair)', () => {
	let pair: Pair;

	beforeAll(async () => {
		pair = await startPair({ destinationBundle: false });
		await createCollection(pair.source, 'notes', [integerKey, stringField('title'), ...auditFields]);
		await pair.source.api('POST', '/items/notes', Array.from({ length: 150 }, (_, index) => ({ title: `Note ${index + 1}` })));
		await run(pair, 'migration-schema-sync', { dryRun: false });
	});
	afterAll(async () => {
		await pair?.stop();
	});

	it('migration-check reports no receiver', async () => {
		const check = await run(pair, 'migration-check', {});
		expect(check.resolved, JSON.stringify(check.last).slice(0, 1500)).toBe(true);
		expect(check.last.destination.receiver).toBeNull();
	});

	it('writePath receiver is refused with RECEIVER_REQUIRED before anything is written', async () => {
		const migrate = await run(pair, 'migration-migrate-tables', { collections: ['notes'], writePath: 'receiver' });
		expect(migrate.last).toMatchObject({ code: 'RECEIVER_REQUIRED' });
		expect(await count(pair.destination, '/items/notes')).toBe(0);
	});

	it('includePasswords is refused with RECEIVER_REQUIRED', async () => {
		const system = await run(pair, 'migration-system', { scope: ['users'], dryRun: false, includePasswords: true });
		expect(system.last).toMatchObject({ code: 'RECEIVER_REQUIRED' });
	});

	it('content migrates over REST and the report says so', async () => {
		const migrate = await run(pair, 'migration-migrate-tables', { collections: ['notes'], verify: true });
		expect(migrate.resolved, JSON.stringify(migrate.last).slice(0, 1500)).toBe(true);
		expect(migrate.last).toMatchObject({ writePath: 'rest', collections: { notes: { created: 150, failed: 0 } } });
		expect(migrate.last.verify.inSync).toBe(true);
	});
});

describe('a destination with another major version of the bundle', () => {
	let pair: Pair;

	beforeAll(async () => {
		pair = await startPair({ destinationBundle: { version: '99.0.0' } });
		await createCollection(pair.source, 'notes', [integerKey, stringField('title')]);
		await pair.source.api('POST', '/items/notes', Array.from({ length: 120 }, (_, index) => ({ title: `Note ${index + 1}` })));
		await run(pair, 'migration-schema-sync', { dryRun: false });
	});
	afterAll(async () => {
		await pair?.stop();
	});

	it('migrates over REST with a RECEIVER_VERSION_MISMATCH warning (and migration-check says it)', async () => {
		const check = await run(pair, 'migration-check', {});
		expect(check.last.destination.receiver).toEqual({ version: '99.0.0' });
		expect(check.last.warnings).toEqual([expect.objectContaining({ code: 'RECEIVER_VERSION_MISMATCH' })]);
		const migrate = await run(pair, 'migration-migrate-tables', { collections: ['notes'] });
		expect(migrate.resolved, JSON.stringify(migrate.last).slice(0, 1500)).toBe(true);
		expect(migrate.last.writePath).toBe('rest');
		expect(migrate.last.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'RECEIVER_VERSION_MISMATCH' })]));
		expect(migrate.last.collections.notes).toMatchObject({ created: 120, failed: 0 });
	});
});
