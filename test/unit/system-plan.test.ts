import { describe, expect, it } from 'vitest';
import { findAdminIdentity, IdMapping, PUBLIC_POLICY_ID } from '../../src/lib/system/admin-identity.js';
import { linkSteps, orderParentFirst } from '../../src/lib/system/dependency-order.js';
import { diffRows, sameValue, toDestinationRow } from '../../src/lib/system/diff-rows.js';
import { planExtensions } from '../../src/lib/system/extensions.js';
import { adoptDestinationIds, naturalKeyFilter } from '../../src/lib/system/natural-key.js';
import { KINDS, SCOPE_KINDS } from '../../src/lib/system/kinds.js';
import { resolveReferences, type DestinationPresence } from '../../src/lib/system/presence.js';
import { resolveSystemScopes, SYSTEM_SCOPES } from '../../src/lib/system/scopes.js';
import { planSettings } from '../../src/lib/system/settings.js';
import { SystemTally } from '../../src/lib/system/tally.js';
import { systemOptions } from '../../src/operations/system/options.js';

const source = {
	roles: [
		{ id: 'src-admin-role', name: 'Administrator' },
		{ id: 'editors', name: 'Editors' },
	],
	policies: [
		{ id: PUBLIC_POLICY_ID, admin_access: false },
		{ id: 'src-admin-policy', admin_access: true },
		{ id: 'editing', admin_access: false },
	],
	access: [
		{ role: 'src-admin-role', user: null, policy: 'src-admin-policy' },
		{ role: null, user: null, policy: PUBLIC_POLICY_ID },
	],
};
const destination = {
	roles: [{ id: 'dst-admin-role', name: 'Administrator' }],
	policies: [{ id: 'dst-admin-policy', admin_access: true }],
	access: [{ role: 'dst-admin-role', user: null, policy: 'dst-admin-policy' }],
};
const adminMapping = () => IdMapping.forAdmins(findAdminIdentity(source), findAdminIdentity(destination));

describe('the Administrator of each instance', () => {
	it('is the admin policy and the role holding it through directus_access', () => {
		expect(findAdminIdentity(source)).toEqual({ roleId: 'src-admin-role', policyId: 'src-admin-policy' });
	});

	it('prefers the admin policy an Administrator role holds when several policies grant admin access', () => {
		const identity = findAdminIdentity({
			roles: [...source.roles, { id: 'ops', name: 'Ops' }],
			policies: [{ id: 'ops-admin', admin_access: true }, ...source.policies],
			access: [{ role: 'ops', user: null, policy: 'ops-admin' }, ...source.access],
		});
		expect(identity).toEqual({ roleId: 'src-admin-role', policyId: 'src-admin-policy' });
	});

	it('falls back to the role named Administrator when no access row names it', () => {
		expect(findAdminIdentity({ roles: source.roles, policies: source.policies, access: [] })).toEqual({
			roleId: 'src-admin-role',
			policyId: 'src-admin-policy',
		});
	});

	it('maps the source Administrator role and policy onto the destination’s, and keeps every other id', () => {
		const mapping = adminMapping();
		expect(mapping.map('directus_roles', 'src-admin-role')).toBe('dst-admin-role');
		expect(mapping.map('directus_policies', 'src-admin-policy')).toBe('dst-admin-policy');
		expect(mapping.map('directus_policies', PUBLIC_POLICY_ID)).toBe(PUBLIC_POLICY_ID);
		expect(mapping.map('directus_roles', 'editors')).toBe('editors');
		expect(mapping.isMapped('directus_roles', 'src-admin-role')).toBe(true);
		expect(mapping.isMapped('directus_roles', 'editors')).toBe(false);
	});

	it('rewrites references to the Administrator when a row is prepared for the destination', () => {
		const user = toDestinationRow(KINDS.users, { id: 'u1', email: 'a@example.com', role: 'src-admin-role', password: 'hash', token: 't' }, adminMapping());
		expect(user['role']).toBe('dst-admin-role');
		expect(user).not.toHaveProperty('password');
		expect(user).not.toHaveProperty('token');
		expect(user).not.toHaveProperty('tfa_secret');
		const access = toDestinationRow(KINDS.access, { id: 'a1', role: 'src-admin-role', user: null, policy: 'src-admin-policy', sort: null }, adminMapping());
		expect(access).toEqual({ id: 'a1', role: 'dst-admin-role', user: null, policy: 'dst-admin-policy', sort: null });
	});
});

describe('dependency order', () => {
	it('runs users after roles, policies and permissions, and access rows last', () => {
		expect(SCOPE_KINDS.users.map((kind) => kind.collection)).toEqual([
			'directus_roles',
			'directus_policies',
			'directus_permissions',
			'directus_users',
			'directus_access',
		]);
		expect(SCOPE_KINDS.flows.map((kind) => kind.collection)).toEqual(['directus_flows', 'directus_operations']);
	});

	it('writes a parent role before its children, however deep', () => {
		const rows = [
			{ id: 'grandchild', parent: 'child' },
			{ id: 'child', parent: 'root' },
			{ id: 'root', parent: null },
			{ id: 'outside', parent: 'not-in-batch' },
		];
		const { ordered, cyclic } = orderParentFirst(rows, 'parent');
		expect(ordered.map((row) => row['id'])).toEqual(['root', 'outside', 'child', 'grandchild']);
		expect(cyclic).toEqual([]);
	});

	it('puts rows caught in a parent cycle last instead of looping', () => {
		const { ordered, cyclic } = orderParentFirst(
			[
				{ id: 'a', parent: 'b' },
				{ id: 'b', parent: 'a' },
				{ id: 'c', parent: null },
			],
			'parent',
		);
		expect(ordered.map((row) => row['id'])).toEqual(['c', 'a', 'b']);
		expect(cyclic).toEqual(['a', 'b']);
	});

	it('empties unique links that change before setting them, so no value is held twice', () => {
		const current = new Map([
			['op1', { id: 'op1', resolve: 'op2', reject: null }],
			['op3', { id: 'op3', resolve: null, reject: null }],
		]);
		const links = [
			{ id: 'op1', changes: { resolve: 'op3' } },
			{ id: 'op3', changes: { resolve: 'op2' } },
		];
		expect(linkSteps(links, current)).toEqual({ clear: [{ id: 'op1', changes: { resolve: null } }], set: links });
	});
});

describe('comparing rows with the destination', () => {
	it('creates what is missing without its links, and sets the links afterwards', () => {
		const diff = diffRows(
			KINDS.operations,
			[{ id: 'op1', flow: 'f', name: 'Check', key: 'check', type: 'log', position_x: 1, position_y: 1, options: {}, resolve: 'op2', reject: null }],
			[],
		);
		expect(diff.create).toEqual([{ id: 'op1', flow: 'f', name: 'Check', key: 'check', type: 'log', position_x: 1, position_y: 1, options: {} }]);
		expect(diff.links).toEqual([{ id: 'op1', changes: { resolve: 'op2' } }]);
		expect(diff.updated).toEqual([]);
	});

	it('updates only the fields that differ and counts every other row as unchanged', () => {
		const desired = [
			{ id: 'r1', name: 'Editors', icon: 'edit', description: null, parent: null },
			{ id: 'r2', name: 'Authors', icon: 'star', description: null, parent: 'r1' },
		];
		const existing = [
			{ id: 'r1', name: 'Editors', icon: 'edit', description: null, parent: null },
			{ id: 'r2', name: 'Writers', icon: 'star', description: null, parent: 'r1' },
		];
		const diff = diffRows(KINDS.roles, desired, existing);
		expect(diff.create).toEqual([]);
		expect(diff.update).toEqual([{ id: 'r2', changes: { name: 'Authors' } }]);
		expect(diff.updated).toEqual(['r2']);
		expect(diff.unchanged).toEqual(['r1']);
	});

	it('counts a row whose only change is a link as updated once', () => {
		const row = { id: 'f1', name: 'F', icon: null, color: null, description: null, status: 'inactive', trigger: 'webhook', accountability: 'all', options: {} };
		const diff = diffRows(KINDS.flows, [{ ...row, operation: 'op1' }], [{ ...row, operation: null }]);
		expect(diff.update).toEqual([]);
		expect(diff.links).toEqual([{ id: 'f1', changes: { operation: 'op1' } }]);
		expect(diff.updated).toEqual(['f1']);
	});

	it('creates a row under a new id when the destination uses its integer id for another row', () => {
		const preset = { id: 7, bookmark: 'Mine', user: 'u1', role: null, collection: 'notes' };
		const diff = diffRows(KINDS.presets, [preset], [{ ...preset, user: 'someone-else' }]);
		expect(diff.update).toEqual([]);
		expect(diff.createUnderNewId).toEqual([preset]);
	});

	it('never overwrites a row held under the same integer id when it has no natural key to be found by', () => {
		const kind = { ...KINDS.presets, matchBy: undefined };
		const preset = { id: 7, bookmark: 'Mine', user: 'u1', role: null, collection: 'notes' };
		const diff = diffRows(kind, [preset], [{ ...preset, user: 'someone-else' }]);
		expect(diff.createUnderNewId).toEqual([]);
		expect(diff.conflicts).toEqual([{ id: 7, reason: 'id 7 holds a different row on the destination (user differs)' }]);
	});

	it('treats JSON with keys in another order, numbers as text and the same instant as equal', () => {
		expect(sameValue({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
		expect(sameValue(3, '3')).toBe(true);
		expect(sameValue(undefined, null)).toBe(true);
		expect(sameValue('2024-01-02T03:04:05.000Z', '2024-01-02T03:04:05Z', true)).toBe(true);
		expect(sameValue('2024-01-02T03:04:05Z', '2024-01-02T03:04:06Z', true)).toBe(false);
		expect(sameValue(['a'], ['a', 'b'])).toBe(false);
	});
});

describe('references', () => {
	const presence = (missing: string[]) =>
		({ missing: async (_collection: string, ids: unknown[]) => new Set(ids.map(String).filter((id) => missing.includes(id))) }) as unknown as DestinationPresence;

	it('skips a bookmark whose user is not on the destination instead of making it everybody’s', async () => {
		const rows = [
			{ id: 1, user: 'gone', role: null, collection: 'notes' },
			{ id: 2, user: 'here', role: null, collection: 'notes' },
		];
		const outcome = await resolveReferences(KINDS.presets, rows, presence(['gone']));
		expect(outcome.rows.map((row) => row['id'])).toEqual([2]);
		expect(outcome.skipped).toEqual([{ id: 1, reason: 'user points at directus_users gone, which is not on the destination' }]);
	});

	it('empties an optional reference (a user’s avatar file) and keeps the row', async () => {
		const outcome = await resolveReferences(KINDS.users, [{ id: 'u1', avatar: 'file-1', role: null }], presence(['file-1']));
		expect(outcome.rows).toEqual([{ id: 'u1', avatar: null, role: null }]);
		expect(outcome.emptied).toEqual({ avatar: 1 });
	});
});

describe('project settings', () => {
	it('lets source values win but keeps URL-specific, instance and secret settings of the destination', () => {
		const plan = planSettings(
			{ id: 1, project_name: 'Source', project_url: 'https://source.example.com', project_id: 'p-src', ai_openai_api_key: 'sk-x', project_color: '#111111' },
			{ id: 1, project_name: 'Destination', project_url: 'https://destination.example.com', project_id: 'p-dst', ai_openai_api_key: null, project_color: '#111111' },
			new IdMapping(),
		);
		expect(plan.changes).toEqual({ project_name: 'Source' });
		expect(plan.kept.map(({ field }) => field)).toEqual(['project_url', 'project_id', 'ai_openai_api_key']);
	});

	it('maps the public registration role and keeps a logo file the destination does not have', () => {
		const plan = planSettings(
			{ public_registration_role: 'src-admin-role', project_logo: 'file-1' },
			{ public_registration_role: null, project_logo: null },
			adminMapping(),
			new Set(['project_logo']),
		);
		expect(plan.changes).toEqual({ public_registration_role: 'dst-admin-role' });
		expect(plan.kept).toEqual([{ field: 'project_logo', reason: 'points at a directus_files row the destination does not have' }]);
	});
});

describe('extensions', () => {
	it('installs registry extensions the destination lacks and lists local ones', () => {
		const plan = planExtensions(
			[
				{ id: 'reg-1', folder: 'v1', source: 'registry', bundle: null },
				{ id: 'reg-2', folder: 'v2', source: 'registry', bundle: null },
				{ id: 'reg-3', folder: 'v3', source: 'registry', bundle: null },
				{ id: 'loc-1', folder: 'my-local', source: 'local', bundle: null },
				{ id: 'loc-2', folder: 'shared-local', source: 'local', bundle: null },
				{ id: 'entry', folder: 'an-entry', source: 'registry', bundle: 'reg-1' },
			],
			[
				{ id: 'reg-2', meta: { folder: 'v2' } },
				{ id: 'reg-3', meta: { folder: 'v3-older' } },
				{ id: 'other', meta: { folder: 'shared-local' } },
			],
		);
		expect(plan).toEqual({
			install: [{ extension: 'reg-1', version: 'v1' }],
			unchanged: ['reg-2', 'shared-local'],
			otherVersion: ['reg-3'],
			local: ['my-local'],
		});
	});
});

describe('the scope option', () => {
	it('defaults to MIGRATION_DEFAULT_SCOPE, else to every scope, and runs in dependency order', () => {
		expect(resolveSystemScopes([], {})).toEqual([...SYSTEM_SCOPES]);
		expect(resolveSystemScopes([], { MIGRATION_DEFAULT_SCOPE: 'flows, users' })).toEqual(['users', 'flows']);
		expect(resolveSystemScopes(['presets', 'folders'], { MIGRATION_DEFAULT_SCOPE: 'flows' })).toEqual(['folders', 'presets']);
	});

	it('refuses unknown scope names, naming them and where they came from', () => {
		expect(() => resolveSystemScopes(['users', 'groups'], {})).toThrow(/scope: unknown scope "groups"/);
		expect(() => resolveSystemScopes([], { MIGRATION_DEFAULT_SCOPE: 'everything' })).toThrow(/MIGRATION_DEFAULT_SCOPE: unknown scope "everything"/);
	});

	it('accepts the panel’s list, a comma-separated string or a rendered JSON array; dry run is on unless turned off', () => {
		expect(systemOptions.parse({ scope: ['users'] })).toMatchObject({ scope: ['users'], dryRun: true });
		expect(systemOptions.parse({ scope: 'users,flows', dryRun: 'false' })).toMatchObject({ scope: ['users', 'flows'], dryRun: false });
		expect(systemOptions.parse({ scope: '["settings"]' }).scope).toEqual(['settings']);
		expect(systemOptions.parse({}).scope).toEqual([]);
	});
});

describe('rows held under another id', () => {
	it('take the destination’s id when their natural key matches, so they are compared instead of created again', () => {
		const publicAccess = { id: 'src-public-access', role: null, user: null, policy: PUBLIC_POLICY_ID, sort: 1 };
		const editors = { id: 'a2', role: 'editors', user: null, policy: 'editing', sort: null };
		const { rows, adopted } = adoptDestinationIds(['role', 'user', 'policy'], [publicAccess, editors], [
			{ id: 'dst-public-access', role: null, user: null, policy: PUBLIC_POLICY_ID, sort: 1 },
		]);
		expect(rows).toEqual([{ ...publicAccess, id: 'dst-public-access' }, editors]);
		expect(adopted).toEqual([{ sourceId: 'src-public-access', destinationId: 'dst-public-access' }]);
	});

	it('are found with one filter matching empty fields as null', () => {
		expect(naturalKeyFilter(['key', 'language'], [{ key: 'greeting', language: null }])).toEqual({
			_or: [{ _and: [{ key: { _eq: 'greeting' } }, { language: { _null: true } }] }],
		});
	});
});

describe('the tally of a run', () => {
	it('takes a refused write back from created and from the list of changes, and counts it as failed', () => {
		const tally = new SystemTally();
		tally.change({ scope: 'users', collection: 'directus_permissions', key: 1, change: 'create' });
		tally.change({ scope: 'users', collection: 'directus_permissions', key: 900, change: 'create' });
		tally.failWrite({ scope: 'users', collection: 'directus_permissions', key: 900, code: 'RESOURCE_RESTRICTED', reason: 'restricted' }, 'created');
		expect(tally.scopes.users).toEqual({ created: 1, updated: 0, unchanged: 0, skipped: 0, failed: 1 });
		expect(tally.changes.map((change) => change.key)).toEqual([1]);
		expect(tally.failures).toEqual([{ scope: 'users', collection: 'directus_permissions', key: 900, code: 'RESOURCE_RESTRICTED', reason: 'restricted' }]);
		expect(tally.failedCount).toBe(1);
	});

	it('keeps its lists short however many rows change, while the counts stay exact', () => {
		const tally = new SystemTally();
		for (let key = 0; key < 500; key++) tally.change({ scope: 'comments', collection: 'directus_comments', key, change: 'create' });
		expect(tally.scopes.comments?.created).toBe(500);
		expect(tally.changes.length).toBe(50);
	});
});
