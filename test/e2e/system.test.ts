import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFlow, type FlowRun } from '../harness/flows.ts';
import type { DirectusInstance } from '../harness/instance.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { createCollection, integerKey, stringField } from '../harness/schema-fixtures.ts';
import { placesHoldingSecret } from '../harness/secrets.ts';
import { runSql } from '../harness/raw-sql.ts';
import { DIRECTUS_VERSION } from '../harness/paths.ts';
import { PUBLIC_POLICY_ID } from '../../src/lib/system/admin-identity.ts';

/**
 * Directus 12's Core tier refuses custom permission rules (RESOURCE_RESTRICTED) and a user past its
 * seats (LIMIT_EXCEEDED); Directus 11 has no such limits and takes both.
 */
const CORE_LIMITS = !DIRECTUS_VERSION.startsWith('11.');

const PUBLIC_POLICY = PUBLIC_POLICY_ID;
const IDS = {
	editorsRole: '0a000000-0000-4000-8000-000000000001',
	juniorRole: '0a000000-0000-4000-8000-000000000002',
	editingPolicy: '0b000000-0000-4000-8000-000000000001',
	destinationPolicy: '0b000000-0000-4000-8000-000000000002',
	roleAccess: '0c000000-0000-4000-8000-000000000001',
	userAccess: '0c000000-0000-4000-8000-000000000002',
	editor: '0d000000-0000-4000-8000-000000000001',
	thirdUser: '0d000000-0000-4000-8000-000000000002',
	comment: '0e000000-0000-4000-8000-000000000001',
	dashboard: '0f000000-0000-4000-8000-000000000001',
	panel: '0f000000-0000-4000-8000-000000000002',
	flow: '1a000000-0000-4000-8000-000000000001',
	archiveOperation: '1a000000-0000-4000-8000-000000000000',
	checkOperation: '1a000000-0000-4000-8000-000000000002',
	notifyOperation: '1a000000-0000-4000-8000-000000000003',
	translation: '1b000000-0000-4000-8000-000000000001',
	mediaFolder: '1c000000-0000-4000-8000-000000000001',
	photosFolder: '1c000000-0000-4000-8000-000000000002',
	registryExtension: '1d000000-0000-4000-8000-000000000001',
	registryVersion: '1d000000-0000-4000-8000-000000000002',
};
const FILTERED_PERMISSION_ID = 900;
const EDITOR_PASSWORD = 'editor-source-password';
const EDITOR_TOKEN = 'editor-source-token-0123456789';
const FLOW_OPTION_SECRET = 'flow-option-secret-0123456789';
const COUNTED_PATHS = ['/roles', '/policies', '/permissions', '/access', '/users', '/comments', '/presets', '/dashboards', '/panels', '/flows', '/operations', '/translations', '/folders'];

let pair: Pair;
let presetId: number;
const reports: unknown[] = [];

async function runSystem(options: Record<string, unknown> = {}): Promise<FlowRun> {
	const run = await withFlow(pair.source, [{ key: 'system', type: 'migration-system', options }], (flow) => flow.trigger());
	reports.push(run.last);
	return run;
}

/** Rows per system collection on the destination (Directus's built-in permission rows have no id). */
async function rowCounts(instance: DirectusInstance): Promise<Record<string, number>> {
	const counts: Record<string, number> = {};
	for (const path of COUNTED_PATHS) {
		const rows: { id?: unknown }[] = await instance.api('GET', `${path}?fields=id&limit=-1`);
		counts[path] = rows.filter((row) => row.id !== undefined && row.id !== null).length;
	}
	return counts;
}

function totals(report: any): { created: number; updated: number } {
	const scopes = Object.values(report.scopes) as { created: number; updated: number }[];
	return { created: scopes.reduce((sum, s) => sum + s.created, 0), updated: scopes.reduce((sum, s) => sum + s.updated, 0) };
}

async function seedSource(source: DirectusInstance): Promise<void> {
	await source.api('POST', '/roles', [
		{ id: IDS.editorsRole, name: 'Editors', icon: 'edit' },
		{ id: IDS.juniorRole, name: 'Junior editors', parent: IDS.editorsRole },
	]);
	await source.api('POST', '/policies', { id: IDS.editingPolicy, name: 'Editing', app_access: true, admin_access: false });
	await source.api('POST', '/permissions', [
		{ policy: IDS.editingPolicy, collection: 'notes', action: 'read', fields: ['*'] },
		{ policy: IDS.editingPolicy, collection: 'notes', action: 'create', fields: ['*'] },
	]);
	// Directus Core refuses custom permission rules over the API: this one is written to the database.
	runSql(source, `INSERT INTO directus_permissions (id, policy, collection, action, permissions, fields) VALUES (?, ?, 'notes', 'update', ?, '*')`, [
		FILTERED_PERMISSION_ID,
		IDS.editingPolicy,
		JSON.stringify({ title: { _eq: 'draft' } }),
	]);
	await source.api('POST', '/users', {
		id: IDS.editor,
		email: 'editor@example.com',
		first_name: 'Eda',
		password: EDITOR_PASSWORD,
		token: EDITOR_TOKEN,
		role: IDS.juniorRole,
	});
	await source.api('POST', '/access', [
		{ id: IDS.roleAccess, role: IDS.editorsRole, policy: IDS.editingPolicy },
		{ id: IDS.userAccess, user: IDS.editor, policy: IDS.editingPolicy },
	]);
	await source.api('POST', '/items/notes', { title: 'First note' });
	await source.api('POST', '/comments', { id: IDS.comment, collection: 'notes', item: '1', comment: 'Looks good' });
	const preset = await source.api('POST', '/presets', { bookmark: 'My notes', user: IDS.editor, collection: 'notes', layout: 'tabular', search: 'note' });
	presetId = preset.id;
	await source.api('POST', '/dashboards', { id: IDS.dashboard, name: 'Overview', icon: 'dashboard' });
	await source.api('POST', '/panels', {
		id: IDS.panel,
		dashboard: IDS.dashboard,
		name: 'Welcome',
		type: 'label',
		position_x: 1,
		position_y: 1,
		width: 10,
		height: 4,
		options: { text: 'Hello' },
	});
	// An inactive Flow (Core allows 5 active ones): our own check, and on reject a request carrying a secret.
	await source.api('POST', '/flows', { id: IDS.flow, name: 'Nightly check', status: 'inactive', trigger: 'webhook', accountability: 'all', options: { method: 'POST' } });
	await source.api('POST', '/operations', {
		id: IDS.notifyOperation,
		flow: IDS.flow,
		key: 'notify',
		name: 'Notify',
		type: 'request',
		position_x: 40,
		position_y: 1,
		options: { method: 'POST', url: 'https://hooks.example.com/migration', headers: [{ header: 'Authorization', value: `Bearer ${FLOW_OPTION_SECRET}` }] },
	});
	await source.api('POST', '/operations', {
		id: IDS.checkOperation,
		flow: IDS.flow,
		key: 'check',
		name: 'Check',
		type: 'migration-check',
		position_x: 20,
		position_y: 1,
		options: { destinationTokenEnv: 'MIGRATION_DESTINATION_TOKEN' },
		reject: IDS.notifyOperation,
	});
	await source.api('PATCH', `/flows/${IDS.flow}`, { operation: IDS.checkOperation });
	await source.api('POST', '/translations', { id: IDS.translation, key: 'greeting', language: 'en-US', value: 'Hello' });
	await source.api('PATCH', '/settings', { project_name: 'Source project', project_color: '#112233', project_url: 'https://source.example.com' });
	await source.api('POST', '/folders', [
		{ id: IDS.mediaFolder, name: 'Media' },
		{ id: IDS.photosFolder, name: 'Photos', parent: IDS.mediaFolder },
	]);
	// A marketplace extension (this machine is offline: installing it on the destination must fail gracefully).
	runSql(source, `INSERT INTO directus_extensions (id, folder, source, bundle, enabled) VALUES (?, ?, 'registry', NULL, true)`, [
		IDS.registryExtension,
		IDS.registryVersion,
	]);
}

/** Other test runs share this machine's 2 cores: Directus must not answer 503 "under pressure" to the seeding. */
const CALM = { PRESSURE_LIMITER_ENABLED: 'false' };

beforeAll(async () => {
	// The destination without the bundle: the extensions scope meets this bundle as a local extension it lacks (skipped).
	pair = await startPair({ sourceEnv: CALM, destinationEnv: CALM, destinationBundle: false });
	for (const instance of [pair.source, pair.destination]) {
		await createCollection(instance, 'notes', [integerKey, stringField('title')]);
	}
	await pair.destination.api('POST', '/items/notes', { title: 'First note' });
	// The destination already has this translation string, under an id of its own.
	await pair.destination.api('POST', '/translations', { key: 'greeting', language: 'en-US', value: 'Hi' });
	// …and a permission of its own under id 1, the id the source's first permission has too.
	await pair.destination.api('POST', '/policies', { id: IDS.destinationPolicy, name: 'Destination only' });
	await pair.destination.api('POST', '/permissions', { id: 1, policy: IDS.destinationPolicy, collection: 'notes', action: 'read', fields: ['*'] });
	await seedSource(pair.source);
});
afterAll(async () => {
	// The migrated Flow is inactive on both sides; it is removed all the same.
	for (const instance of [pair?.source, pair?.destination]) await instance?.api('DELETE', `/flows/${IDS.flow}`).catch(() => undefined);
	await pair?.stop();
});

describe('migration-system', () => {
	it('a dry run lists per scope what it would create, update or leave, and writes nothing', async () => {
		const before = await rowCounts(pair.destination);
		const settingsBefore = await pair.destination.api('GET', '/settings');
		const run = await runSystem();
		expect(run.resolved, JSON.stringify(run.last)).toBe(true);
		expect(run.last).toMatchObject({ operation: 'migration-system', ok: true, dryRun: true });
		expect(run.last.scopes).toEqual({
			folders: { created: 2, updated: 0, unchanged: 0, skipped: 0, failed: 0 },
			// 2 roles, 1 policy, 3 permissions, 2 users, 2 access rows; the Administrator role and policy,
			// the public policy and the two access rows every instance has are the destination's own.
			users: { created: 10, updated: 0, unchanged: 5, skipped: 0, failed: 0 },
			translations: { created: 0, updated: 1, unchanged: 0, skipped: 0, failed: 0 },
			settings: { created: 0, updated: 1, unchanged: 0, skipped: 0, failed: 0 },
			comments: { created: 1, updated: 0, unchanged: 0, skipped: 0, failed: 0 },
			presets: { created: 1, updated: 0, unchanged: 0, skipped: 0, failed: 0 },
			dashboards: { created: 2, updated: 0, unchanged: 0, skipped: 0, failed: 0 },
			// The Flow running the migration (and its operation) stays on the source.
			flows: { created: 3, updated: 0, unchanged: 0, skipped: 2, failed: 0 },
			extensions: { created: 1, updated: 0, unchanged: 0, skipped: 1, failed: 0 },
		});
		expect(run.last.changes).toEqual(
			expect.arrayContaining([
				{ scope: 'users', collection: 'directus_roles', key: IDS.juniorRole, change: 'create' },
				{ scope: 'flows', collection: 'directus_operations', key: IDS.checkOperation, change: 'create' },
				{ scope: 'settings', collection: 'directus_settings', key: 'settings', change: 'update', fields: ['project_name', 'project_color'] },
			]),
		);
		expect(await rowCounts(pair.destination)).toEqual(before);
		expect(await pair.destination.api('GET', '/settings')).toEqual(settingsBefore);
	});

	it('a scope option limits the run to the scopes it names; an unknown scope is refused', async () => {
		const run = await runSystem({ scope: ['translations', 'folders'] });
		expect(Object.keys(run.last.scopes)).toEqual(['folders', 'translations']);

		const refused = await runSystem({ scope: 'users,groups' });
		expect(refused.resolved).toBe(false);
		expect(refused.last).toMatchObject({ operation: 'migration-system', code: 'INVALID_OPTIONS' });
		expect(refused.last.message).toContain('"groups"');
	});

	it('applies with ids kept, the Administrator mapped, and what Core refuses reported per item', async () => {
		const run = await runSystem({ dryRun: false });
		expect(run.resolved).toBe(false);
		const report = run.last;
		expect(report).toMatchObject({ operation: 'migration-system', code: 'SYSTEM_FAILED', ok: false, dryRun: false });
		expect(report.failures).toEqual([
			...(CORE_LIMITS
				? [expect.objectContaining({ scope: 'users', collection: 'directus_permissions', key: FILTERED_PERMISSION_ID, code: 'RESOURCE_RESTRICTED' })]
				: []),
			expect.objectContaining({ scope: 'extensions', collection: 'directus_extensions', key: IDS.registryExtension }),
		]);
		expect(report.scopes.users).toEqual(
			CORE_LIMITS ? { created: 9, updated: 0, unchanged: 5, skipped: 0, failed: 1 } : { created: 10, updated: 0, unchanged: 5, skipped: 0, failed: 0 },
		);
		expect(report.scopes.extensions).toEqual({ created: 0, updated: 0, unchanged: 0, skipped: 1, failed: 1 });
		expect(report.warnings.find((warning: { code: string }) => warning.code === 'LOCAL_EXTENSIONS')?.message).toContain(
			'directus-extension-migration-operations',
		);

		const destination = pair.destination;
		const junior = await destination.api('GET', `/roles/${IDS.juniorRole}?fields=id,name,parent`);
		expect(junior).toEqual({ id: IDS.juniorRole, name: 'Junior editors', parent: IDS.editorsRole });
		const permissions: { id?: number; action: string }[] = await destination.api('GET', `/permissions?filter[policy][_eq]=${IDS.editingPolicy}`);
		// The filtered 'update' rule lands only where Core does not refuse it (Directus 11).
		expect(permissions.filter((row) => row.id).map((row) => row.action).sort()).toEqual(CORE_LIMITS ? ['create', 'read'] : ['create', 'read', 'update']);
		// The destination's own permission 1 is untouched; the source's permission 1 got an id of the destination's choosing.
		expect(await destination.api('GET', '/permissions/1?fields=policy,action')).toEqual({ policy: IDS.destinationPolicy, action: 'read' });
		expect(permissions.find((row) => row.action === 'read')?.id).not.toBe(1);
		expect(report.changes).toContainEqual({ scope: 'users', collection: 'directus_permissions', key: 1, change: 'create', newId: true });
		const access = await destination.api('GET', `/access?filter[policy][_eq]=${IDS.editingPolicy}&fields=id,role,user`);
		expect(access).toEqual(
			expect.arrayContaining([
				{ id: IDS.roleAccess, role: IDS.editorsRole, user: null },
				{ id: IDS.userAccess, role: null, user: IDS.editor },
			]),
		);
		const publicPolicy = await destination.api('GET', `/policies/${PUBLIC_POLICY}?fields=id`);
		expect(publicPolicy.id).toBe(PUBLIC_POLICY);

		// The source's admin becomes a user of the destination's own Administrator role.
		const destinationAdminRole = (await destination.api('GET', '/users/me?fields=role')).role;
		const sourceAdmin = await pair.source.api('GET', '/users/me?fields=id,email');
		const migratedAdmin = await destination.api('GET', `/users/${sourceAdmin.id}?fields=email,role`);
		expect(migratedAdmin).toEqual({ email: sourceAdmin.email, role: destinationAdminRole });
		const sourceAdminRole = (await pair.source.api('GET', '/users/me?fields=role')).role;
		expect(report.administrator.role).toEqual({ source: sourceAdminRole, destination: destinationAdminRole });
		expect(report.administrator.policy.source).not.toBe(report.administrator.policy.destination);
		expect(await destination.api('GET', `/users/${IDS.editor}?fields=email,role,first_name`)).toEqual({
			email: 'editor@example.com',
			role: IDS.juniorRole,
			first_name: 'Eda',
		});

		const comment = await destination.api('GET', `/comments/${IDS.comment}?fields=collection,item,comment,user_created`);
		expect(comment).toEqual({ collection: 'notes', item: '1', comment: 'Looks good', user_created: sourceAdmin.id });
		const preset = await destination.api('GET', `/presets/${presetId}?fields=bookmark,user,collection`);
		expect(preset).toEqual({ bookmark: 'My notes', user: IDS.editor, collection: 'notes' });
		expect(await destination.api('GET', `/panels/${IDS.panel}?fields=dashboard,options`)).toEqual({ dashboard: IDS.dashboard, options: { text: 'Hello' } });

		const flow = await destination.api('GET', `/flows/${IDS.flow}?fields=status,operation`);
		expect(flow).toEqual({ status: 'inactive', operation: IDS.checkOperation });
		const check = await destination.api('GET', `/operations/${IDS.checkOperation}?fields=type,reject,resolve`);
		expect(check).toEqual({ type: 'migration-check', reject: IDS.notifyOperation, resolve: null });
		const notify = await destination.api('GET', `/operations/${IDS.notifyOperation}?fields=options`);
		expect(JSON.stringify(notify.options)).toContain(FLOW_OPTION_SECRET);

		// Matched by key and language: updated in place, not created a second time.
		expect(await destination.api('GET', '/translations?filter[key][_eq]=greeting&fields=language,value')).toEqual([{ language: 'en-US', value: 'Hello' }]);
		const settings = await destination.api('GET', '/settings');
		expect(settings).toMatchObject({ project_name: 'Source project', project_color: '#112233', project_url: null });
		expect(report.warnings.find((warning: { code: string }) => warning.code === 'SETTINGS_KEPT')?.message).toContain('project_url');
		expect(await destination.api('GET', `/folders/${IDS.photosFolder}?fields=name,parent`)).toEqual({ name: 'Photos', parent: IDS.mediaFolder });
	});

	it('copies no password, token or 2FA secret: new users must reset their password', async () => {
		const login = await fetch(`${pair.destination.url}/auth/login`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ email: 'editor@example.com', password: EDITOR_PASSWORD }),
		});
		expect(login.status).toBe(401);
		const withToken = await fetch(`${pair.destination.url}/users/me`, { headers: { Authorization: `Bearer ${EDITOR_TOKEN}` } });
		expect(withToken.status).toBe(401);
		const last = reports.at(-1) as { warnings: { code: string; message: string }[] };
		expect(last.warnings.find((warning) => warning.code === 'PASSWORD_RESET_REQUIRED')?.message).toMatch(/^2 user\(s\) were created/);
	});

	it('re-running with no source change writes nothing and creates nothing twice', async () => {
		const before = await rowCounts(pair.destination);
		const run = await runSystem({ dryRun: false });
		expect(totals(run.last)).toEqual({ created: 0, updated: 0 });
		// Only what the destination refuses every time is tried again.
		expect(run.last.failures.map((failure: { key: unknown }) => failure.key)).toEqual(
			CORE_LIMITS ? [FILTERED_PERMISSION_ID, IDS.registryExtension] : [IDS.registryExtension],
		);
		expect(run.last.scopes.users).toEqual(
			CORE_LIMITS ? { created: 0, updated: 0, unchanged: 14, skipped: 0, failed: 1 } : { created: 0, updated: 0, unchanged: 15, skipped: 0, failed: 0 },
		);
		expect(run.last.scopes.flows).toEqual({ created: 0, updated: 0, unchanged: 3, skipped: 2, failed: 0 });
		expect(await rowCounts(pair.destination)).toEqual(before);
	});

	it('updates exactly a changed role and a changed bookmark, and leaves an existing user’s credentials alone', async () => {
		await pair.destination.api('PATCH', `/users/${IDS.editor}`, { password: 'set-on-destination' });
		await pair.source.api('PATCH', `/roles/${IDS.editorsRole}`, { name: 'Senior editors' });
		await pair.source.api('PATCH', `/presets/${presetId}`, { bookmark: 'All my notes' });
		await pair.source.api('PATCH', `/users/${IDS.editor}`, { first_name: 'Edith' });

		const dryRun = await runSystem({ scope: ['users', 'presets'] });
		// A dry run cannot know that the destination refuses the filtered permission: it lists it to create.
		expect(dryRun.last.scopes).toMatchObject({ users: { created: CORE_LIMITS ? 1 : 0, updated: 2 }, presets: { created: 0, updated: 1 } });

		const run = await runSystem({ dryRun: false });
		expect(totals(run.last)).toEqual({ created: 0, updated: 3 });
		expect(run.last.changes.filter((change: { change: string }) => change.change === 'update')).toEqual([
			{ scope: 'users', collection: 'directus_roles', key: IDS.editorsRole, change: 'update', fields: ['name'] },
			{ scope: 'users', collection: 'directus_users', key: IDS.editor, change: 'update', fields: ['first_name'] },
			{ scope: 'presets', collection: 'directus_presets', key: presetId, change: 'update', fields: ['bookmark'] },
		]);
		expect(run.last.scopes.users).toMatchObject({ created: 0, updated: 2 });
		expect(run.last.scopes.presets).toMatchObject({ created: 0, updated: 1 });
		expect((await pair.destination.api('GET', `/roles/${IDS.editorsRole}?fields=name`)).name).toBe('Senior editors');
		expect((await pair.destination.api('GET', `/presets/${presetId}?fields=bookmark`)).bookmark).toBe('All my notes');
		expect((await pair.destination.api('GET', `/users/${IDS.editor}?fields=first_name`)).first_name).toBe('Edith');
		const login = await fetch(`${pair.destination.url}/auth/login`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ email: 'editor@example.com', password: 'set-on-destination' }),
		});
		expect(login.status).toBe(200);
	});

	it('moves unique resolve/reject links from one operation to another without a clash', async () => {
		// `archive` sorts before `check`: set in source order, its reject would take `notify` while `check` still holds it.
		await pair.source.api('POST', '/operations', { id: IDS.archiveOperation, flow: IDS.flow, key: 'archive', name: 'Archive', type: 'log', position_x: 20, position_y: 20, options: { message: 'archived' } });
		await pair.source.api('PATCH', `/operations/${IDS.checkOperation}`, { reject: null, resolve: IDS.archiveOperation });
		await pair.source.api('PATCH', `/operations/${IDS.archiveOperation}`, { reject: IDS.notifyOperation });

		const run = await runSystem({ dryRun: false, scope: ['flows'] });
		expect(run.resolved, JSON.stringify(run.last)).toBe(true);
		expect(run.last.scopes.flows).toEqual({ created: 1, updated: 1, unchanged: 2, skipped: 2, failed: 0 });
		const operations: { id: string; resolve: string | null; reject: string | null }[] = await pair.destination.api(
			'GET',
			`/operations?filter[flow][_eq]=${IDS.flow}&fields=id,resolve,reject&sort=id`,
		);
		expect(operations).toEqual([
			{ id: IDS.archiveOperation, resolve: null, reject: IDS.notifyOperation },
			{ id: IDS.checkOperation, resolve: IDS.archiveOperation, reject: null },
			{ id: IDS.notifyOperation, resolve: null, reject: null },
		]);
	});

	it('reports a user beyond the destination’s seats as failed (LIMIT_EXCEEDED) and migrates the rest', async () => {
		// The source has 3 seats (its admin, the editor, this user); the destination would need 4.
		await pair.source.api('POST', '/users', { id: IDS.thirdUser, email: 'third@example.com', role: IDS.juniorRole });
		await pair.source.api('POST', '/translations', { key: 'farewell', language: 'en-US', value: 'Bye' });
		const run = await runSystem({ dryRun: false, scope: ['users', 'translations'] });
		if (!CORE_LIMITS) {
			// Directus 11 has no seat limit: the user is migrated like any other.
			expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
			expect(run.last.scopes.translations).toMatchObject({ created: 1, failed: 0 });
			const migrated: { id: string }[] = await pair.destination.api('GET', '/users?fields=id&limit=-1');
			expect(migrated.map((user) => user.id)).toContain(IDS.thirdUser);
			return;
		}
		expect(run.resolved).toBe(false);
		expect(run.last.failures).toEqual(
			expect.arrayContaining([expect.objectContaining({ collection: 'directus_users', key: IDS.thirdUser, code: 'LIMIT_EXCEEDED' })]),
		);
		expect(run.last.scopes.translations).toMatchObject({ created: 1, failed: 0 });
		const users: { id: string }[] = await pair.destination.api('GET', '/users?fields=id&limit=-1');
		expect(users.map((user) => user.id)).not.toContain(IDS.thirdUser);
	});

	it('keeps the destination token and flow option secrets out of every report, log and revision', async () => {
		for (const report of reports) {
			const json = JSON.stringify(report);
			expect(json).not.toContain(pair.destination.token);
			expect(json).not.toContain(FLOW_OPTION_SECRET);
		}
		expect(pair.source.readLog()).not.toContain(FLOW_OPTION_SECRET);
		expect(await placesHoldingSecret(pair.source, pair.destination.token)).toEqual([]);
	});
});
