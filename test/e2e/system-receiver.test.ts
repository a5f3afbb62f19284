import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFlow, type FlowRun } from '../harness/flows.ts';
import type { DirectusInstance } from '../harness/instance.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { createCollection, integerKey, stringField } from '../harness/schema-fixtures.ts';
import { runSql } from '../harness/raw-sql.ts';
import { DIRECTUS_VERSION } from '../harness/paths.ts';

/**
 * migration-system through the receiver (the bundle on both sides): the same rows land as over REST,
 * without an activity or revision row per row, with one audit row for the run; the destination's
 * permissions hold at once; the receiver's system route takes only what migration-system moves.
 */
const IDS = {
	role: '2a000000-0000-4000-8000-000000000001',
	policy: '2b000000-0000-4000-8000-000000000001',
	access: '2c000000-0000-4000-8000-000000000001',
	reader: '2d000000-0000-4000-8000-000000000001',
	dashboard: '2e000000-0000-4000-8000-000000000001',
	panel: '2e000000-0000-4000-8000-000000000002',
	flow: '2f000000-0000-4000-8000-000000000001',
	operation: '2f000000-0000-4000-8000-000000000002',
	folder: '3a000000-0000-4000-8000-000000000001',
	translation: '3b000000-0000-4000-8000-000000000001',
	comment: '3c000000-0000-4000-8000-000000000001',
	lateRole: '2a000000-0000-4000-8000-000000000002',
};
const READER_PASSWORD = `Read-${randomUUID()}`;
const SCOPES = ['users', 'comments', 'presets', 'dashboards', 'flows', 'translations', 'folders', 'settings'];
const RECEIVER_MEDIA_TYPE = 'application/x-directus-migration';
const CALM = { PRESSURE_LIMITER_ENABLED: 'false' };

/** The rows compared on both sides: what migration-system moves of each seeded row (ids kept). */
const COMPARED: [string, string][] = [
	[`/roles/${IDS.role}`, 'id,name,icon,description,parent'],
	[`/policies/${IDS.policy}`, 'id,name,icon,description,ip_access,enforce_tfa,admin_access,app_access'],
	[`/permissions?filter[policy][_eq]=${IDS.policy}&sort=action`, 'policy,collection,action,permissions,validation,presets,fields'],
	[`/users/${IDS.reader}`, 'id,first_name,last_name,email,tags,status,role,provider,external_identifier'],
	[`/access?filter[id][_eq]=${IDS.access}`, 'id,role,user,policy,sort'],
	[`/presets?filter[user][_eq]=${IDS.reader}`, 'bookmark,user,role,collection,search,layout,layout_query'],
	[`/dashboards/${IDS.dashboard}`, 'id,name,icon,note,color'],
	[`/panels/${IDS.panel}`, 'id,dashboard,name,type,position_x,position_y,width,height,options'],
	[`/flows/${IDS.flow}`, 'id,name,status,trigger,accountability,options,operation'],
	[`/operations/${IDS.operation}`, 'id,flow,name,key,type,position_x,position_y,options,resolve,reject'],
	[`/translations/${IDS.translation}`, 'id,key,language,value'],
	[`/folders/${IDS.folder}`, 'id,name,parent'],
	[`/comments/${IDS.comment}`, 'id,collection,item,comment,user_created,date_created'],
	['/settings', 'project_name,project_color,project_descriptor'],
];
const SYSTEM_COLLECTIONS = ['roles', 'policies', 'permissions', 'users', 'access', 'comments', 'presets', 'dashboards', 'panels', 'flows', 'operations', 'translations', 'folders', 'settings'].map(
	(name) => `directus_${name}`,
);

const runSystem = (pair: Pair, options: Record<string, unknown>): Promise<FlowRun> =>
	withFlow(pair.source, [{ key: 'system', type: 'migration-system', options: { dryRun: false, ...options } }], (flow) => flow.trigger());
const count = async (instance: DirectusInstance, path: string) => Number((await instance.api<{ count: number | string }[]>('GET', `${path}${path.includes('?') ? '&' : '?'}aggregate[count]=*`))[0]!.count);
/**
 * Activity or revision rows on the system rows the run writes (Directus's API writes one per row).
 * The lease's own row in directus_translations (a few per run, written over REST) is not one of them.
 */
const rowAudit = async (instance: DirectusInstance) => {
	const rows = { _or: [{ collection: { _in: SYSTEM_COLLECTIONS.filter((name) => name !== 'directus_translations') } }, { item: { _eq: IDS.translation } }] };
	const filter = `filter=${encodeURIComponent(JSON.stringify(rows))}`;
	return { activity: await count(instance, `/activity?${filter}`), revisions: await count(instance, `/revisions?${filter}`) };
};
const runRows = (instance: DirectusInstance) => count(instance, '/activity?filter[action][_eq]=run&filter[collection][_eq]=directus_extensions');

/** A comment names its author (each source's own admin) and its date, which differ from pair to pair. */
const SAME_ON_EVERY_PAIR = COMPARED.filter(([path]) => !path.startsWith('/comments'));

async function snapshot(instance: DirectusInstance, compared = COMPARED): Promise<unknown[]> {
	return Promise.all(compared.map(([path, fields]) => instance.api('GET', `${path}${path.includes('?') ? '&' : '?'}fields=${fields}`)));
}

/** A role, a policy that may read `notes` (given to the role only by `grant`), a user of that role with a password, and a row of each other scope. */
async function seed(pair: Pair): Promise<void> {
	for (const instance of [pair.source, pair.destination]) {
		await createCollection(instance, 'notes', [integerKey, stringField('title')]);
		await instance.api('POST', '/items/notes', [{ id: 1, title: 'Visible to readers' }]);
	}
	const source = pair.source;
	await source.api('POST', '/roles', { id: IDS.role, name: 'Readers', icon: 'menu_book', description: 'Read notes' });
	await source.api('POST', '/policies', { id: IDS.policy, name: 'Reading', app_access: true, admin_access: false });
	await source.api('POST', '/users', { id: IDS.reader, email: 'reader@example.com', first_name: 'Rea', tags: ['a', 'b'], password: READER_PASSWORD, role: IDS.role });
	await source.api('POST', '/permissions', { policy: IDS.policy, collection: 'notes', action: 'read', fields: ['*'] });
	await source.api('POST', '/presets', { bookmark: 'My notes', user: IDS.reader, collection: 'notes', layout: 'tabular', layout_query: { tabular: { sort: ['-id'] } } });
	await source.api('POST', '/dashboards', { id: IDS.dashboard, name: 'Overview', icon: 'dashboard' });
	await source.api('POST', '/panels', { id: IDS.panel, dashboard: IDS.dashboard, name: 'Hi', type: 'label', position_x: 1, position_y: 1, width: 6, height: 4, options: { text: 'Hi' } });
	await source.api('POST', '/flows', { id: IDS.flow, name: 'Webhook', status: 'inactive', trigger: 'webhook', accountability: 'all', options: { method: 'POST' } });
	await source.api('POST', '/operations', { id: IDS.operation, flow: IDS.flow, key: 'log', name: 'Log', type: 'log', position_x: 20, position_y: 1, options: { message: 'hi' } });
	await source.api('PATCH', `/flows/${IDS.flow}`, { operation: IDS.operation });
	await source.api('POST', '/translations', { id: IDS.translation, key: 'welcome', language: 'en-US', value: 'Welcome' });
	await source.api('POST', '/folders', { id: IDS.folder, name: 'Shared' });
	await source.api('POST', '/comments', { id: IDS.comment, collection: 'notes', item: '1', comment: 'Looks right' });
	await source.api('PATCH', '/settings', { project_name: 'Receiver project', project_color: '#334455', project_descriptor: 'migrated' });
}

const grant = (pair: Pair) => pair.source.api('POST', '/access', { id: IDS.access, role: IDS.role, policy: IDS.policy });

async function readNotesAsReader(instance: DirectusInstance): Promise<number> {
	const login = await fetch(`${instance.url}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'reader@example.com', password: READER_PASSWORD }) });
	expect(login.status).toBe(200);
	const token = ((await login.json()) as { data: { access_token: string } }).data.access_token;
	return (await fetch(`${instance.url}/items/notes`, { headers: { Authorization: `Bearer ${token}` } })).status;
}

async function receiverCall(instance: DirectusInstance, path: string, body: unknown) {
	const response = await fetch(`${instance.url}/migration-receiver${path}`, {
		method: 'POST',
		headers: { 'Content-Type': RECEIVER_MEDIA_TYPE, Authorization: `Bearer ${instance.token}` },
		body: JSON.stringify(body),
	});
	const json = (await response.json().catch(() => null)) as { errors?: { extensions?: { code?: string } }[] } | null;
	return { status: response.status, code: json?.errors?.[0]?.extensions?.code };
}

/** What both transports must land: the seeded rows exactly as the source holds them. */
let restLanded: unknown[] | null = null;

describe('migration-system over REST (a destination without the bundle)', () => {
	let pair: Pair;
	beforeAll(async () => {
		pair = await startPair({ sourceEnv: CALM, destinationEnv: CALM, destinationBundle: false });
		await seed(pair);
		await grant(pair);
	});
	afterAll(async () => {
		await pair?.stop();
	});

	it('lands the seeded rows as the source holds them, with an activity row and a revision per row', async () => {
		const audit0 = await rowAudit(pair.destination);
		const run = await runSystem(pair, { scope: SCOPES });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		expect(run.last.writePath).toBe('rest');
		expect(await snapshot(pair.destination)).toEqual(await snapshot(pair.source));
		restLanded = await snapshot(pair.destination, SAME_ON_EVERY_PAIR);
		const audit = await rowAudit(pair.destination);
		expect(audit.activity - audit0.activity).toBeGreaterThan(10);
	});
});

describe('migration-system through the receiver', () => {
	let pair: Pair;
	beforeAll(async () => {
		pair = await startPair({ sourceEnv: CALM, destinationEnv: CALM });
		await seed(pair);
	});
	afterAll(async () => {
		await pair?.stop();
	});

	it('lands the same rows as over REST, writes no activity or revision row per row, and leaves one run row with its counts', async () => {
		const audit0 = await rowAudit(pair.destination);
		const runs0 = await runRows(pair.destination);
		const run = await runSystem(pair, { scope: SCOPES, includePasswords: true });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		expect(run.last.writePath).toBe('receiver');
		expect(run.last.passwords.copied).toBeGreaterThanOrEqual(1);

		expect(await snapshot(pair.destination)).toEqual(await snapshot(pair.source));
		expect(await rowAudit(pair.destination)).toEqual(audit0);

		expect(await runRows(pair.destination)).toBe(runs0 + 1);
		const [row] = await pair.destination.api('GET', '/activity?filter[action][_eq]=run&sort=-id&limit=1&fields=user,ip,user_agent,item,revisions.data');
		const me = await pair.destination.api('GET', '/users/me?fields=id');
		expect(row).toMatchObject({ user: me.id, item: expect.any(String) });
		expect(row.revisions).toHaveLength(1);
		const { created, updated } = run.last.scopes.users;
		expect(row.revisions[0].data).toMatchObject({ operation: 'migration-system', counts: { failed: 0, passwords: run.last.passwords.copied } });
		expect(row.revisions[0].data.counts.created).toBeGreaterThanOrEqual(created);
		expect(row.revisions[0].data.rows).toBe(row.revisions[0].data.counts.created + row.revisions[0].data.counts.updated);
		expect(updated).toBe(0);
	});

	it('access migrated through the receiver holds at once: the role’s user reads what its new policy allows', async () => {
		// Before the role has the policy, the reader is refused (and the destination caches the role's policies).
		expect(await readNotesAsReader(pair.destination)).toBe(403);
		await grant(pair);
		const runs0 = await runRows(pair.destination);
		const run = await runSystem(pair, { scope: ['users'] });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		expect(run.last.scopes.users).toMatchObject({ created: 1, failed: 0 });
		expect(await readNotesAsReader(pair.destination)).toBe(200);
		expect(await runRows(pair.destination)).toBe(runs0 + 1);
	});

	it('the rows it landed are the rows the REST path landed', async () => {
		expect(restLanded, 'the REST describe ran first').not.toBeNull();
		expect(await snapshot(pair.destination, SAME_ON_EVERY_PAIR)).toEqual(restLanded);
	});

	it('a re-run that changes nothing leaves no run row and no row per row (a cron Flow adds no audit noise)', async () => {
		const audit0 = await rowAudit(pair.destination);
		const runs0 = await runRows(pair.destination);
		const run = await runSystem(pair, { scope: ['users', 'settings'] });
		expect(run.last.scopes.users).toMatchObject({ created: 0, updated: 0, failed: 0 });
		expect(run.last.scopes.settings).toMatchObject({ created: 0, updated: 0, failed: 0 });
		expect(await runRows(pair.destination)).toBe(runs0);
		expect(await rowAudit(pair.destination)).toEqual(audit0);
	});

	it.runIf(!DIRECTUS_VERSION.startsWith('11.'))('what Directus Core refuses over REST it refuses through the receiver: that row is reported with its code, the others are written', async () => {
		// Core refuses custom permission rules over the API: this one is written to the source's database.
		runSql(pair.source, `INSERT INTO directus_permissions (id, policy, collection, action, permissions, fields) VALUES (?, ?, 'notes', 'update', ?, '*')`, [
			900,
			IDS.policy,
			JSON.stringify({ title: { _eq: 'draft' } }),
		]);
		await pair.source.api('POST', '/roles', { id: IDS.lateRole, name: 'Late role' });
		const run = await runSystem(pair, { scope: ['users'] });
		expect(run.resolved).toBe(false);
		expect(run.last).toMatchObject({ code: 'SYSTEM_FAILED', writePath: 'receiver' });
		expect(run.last.failures).toEqual([expect.objectContaining({ collection: 'directus_permissions', key: 900, code: 'RESOURCE_RESTRICTED' })]);
		expect(await pair.destination.api('GET', `/roles/${IDS.lateRole}?fields=name`)).toEqual({ name: 'Late role' });
		expect(await pair.destination.api('GET', `/permissions?filter[policy][_eq]=${IDS.policy}&filter[action][_eq]=update&fields=id`)).toEqual([]);
	});

	it('the receiver’s system route refuses other system collections and fields migration-system never moves, writing nothing', async () => {
		const sessions0 = await count(pair.destination, '/activity');
		const users0 = await count(pair.destination, '/users');
		const me = await pair.destination.api('GET', '/users/me?fields=id');
		expect(await receiverCall(pair.destination, '/system/directus_activity', { action: 'create', rows: [{ action: 'login', user: me.id, collection: 'directus_users' }] })).toEqual({
			status: 403,
			code: 'COLLECTION_NOT_ALLOWED',
		});
		expect(await receiverCall(pair.destination, '/system/directus_sessions', { action: 'create', rows: [{ token: 'x', user: me.id, expires: '2030-01-01T00:00:00Z' }] })).toEqual({
			status: 403,
			code: 'COLLECTION_NOT_ALLOWED',
		});
		expect(await receiverCall(pair.destination, '/system/notes', { action: 'create', rows: [{ id: 5, title: 'x' }] })).toEqual({ status: 403, code: 'COLLECTION_NOT_ALLOWED' });
		const newUser = { id: randomUUID(), email: 'sneaky@example.com' };
		for (const field of ['password', 'token', 'tfa_secret', 'auth_data']) {
			expect(await receiverCall(pair.destination, '/system/directus_users', { action: 'create', rows: [{ ...newUser, [field]: 'x' }] })).toEqual({ status: 400, code: 'FIELD_NOT_ALLOWED' });
		}
		expect(await receiverCall(pair.destination, '/system/directus_users', { action: 'update', rows: [{ id: me.id, token: 'taken-over' }] })).toEqual({ status: 400, code: 'FIELD_NOT_ALLOWED' });
		expect(await receiverCall(pair.destination, '/system/directus_settings', { action: 'update', rows: [{ project_url: 'https://elsewhere.example.com' }] })).toEqual({
			status: 400,
			code: 'FIELD_NOT_ALLOWED',
		});
		expect(await count(pair.destination, '/activity')).toBe(sessions0);
		expect(await count(pair.destination, '/users')).toBe(users0);
		expect(await pair.destination.api('GET', '/settings?fields=project_url')).toEqual({ project_url: null });
		const token = await fetch(`${pair.destination.url}/users/me`, { headers: { Authorization: 'Bearer taken-over' } });
		expect(token.status).toBe(401);
	});
});
