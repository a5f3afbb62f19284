import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFlow, type FlowRun } from '../harness/flows.ts';
import type { DirectusInstance } from '../harness/instance.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { PUBLIC_POLICY_ID } from '../../src/lib/system/admin-identity.ts';

/**
 * migration-rollback of a migration-system run: the run journals what it writes (rows created under
 * the destination's ids, the previous values of the fields it updates, the settings), and the rollback
 * gives the destination back its roles, policies, permissions, users, access rows and settings.
 */
const PUBLIC_POLICY = PUBLIC_POLICY_ID;
const IDS = {
	authorsRole: '2a000000-0000-4000-8000-000000000001',
	reviewersRole: '2a000000-0000-4000-8000-000000000002',
	authoringPolicy: '2b000000-0000-4000-8000-000000000001',
	authorsAccess: '2c000000-0000-4000-8000-000000000001',
	author: '2d000000-0000-4000-8000-000000000001',
};
let pair: Pair;

const flowRun = (type: string, options: Record<string, unknown>): Promise<FlowRun> => withFlow(pair.source, [{ key: 'step', type, options }], (flow) => flow.trigger());
const withIds = <T extends { id?: unknown }>(rows: T[]) => rows.filter((row) => row.id !== undefined && row.id !== null);

/** The destination's system rows and settings the run touches, as read over REST. */
async function systemState(instance: DirectusInstance) {
	return {
		roles: await instance.api('GET', '/roles?fields=id,name,icon,description,parent&sort=id&limit=-1'),
		policies: await instance.api('GET', '/policies?fields=id,name,icon,description,admin_access,app_access,enforce_tfa,ip_access&sort=id&limit=-1'),
		permissions: withIds(await instance.api('GET', '/permissions?fields=id,policy,collection,action,fields&sort=id&limit=-1')),
		users: await instance.api('GET', '/users?fields=id,email,first_name,last_name,role,status&sort=id&limit=-1'),
		access: await instance.api('GET', '/access?fields=id,role,user,policy,sort&sort=id&limit=-1'),
		settings: await instance.api('GET', '/settings'),
	};
}

async function journalText(file: string): Promise<string> {
	const response = await fetch(`${pair.source.url}/assets/${file}`, { headers: { Authorization: `Bearer ${pair.source.token}` } });
	expect(response.ok).toBe(true);
	return response.text();
}

beforeAll(async () => {
	pair = await startPair();
	// On both sides: a role the run updates, a permission the destination holds under the id the source's takes.
	for (const [instance, description] of [
		[pair.source, 'Reviews what authors write'],
		[pair.destination, 'The destination’s own reviewers'],
	] as const) {
		await instance.api('POST', '/roles', { id: IDS.reviewersRole, name: 'Reviewers', description });
	}
	await pair.destination.api('POST', '/permissions', { policy: PUBLIC_POLICY, collection: 'directus_folders', action: 'read', fields: ['*'] });
	await pair.destination.api('PATCH', '/settings', { project_name: 'Destination project' });
	// Only on the source: a role, a policy with a permission, a user with a password, the access row.
	await pair.source.api('POST', '/roles', { id: IDS.authorsRole, name: 'Authors', icon: 'edit' });
	await pair.source.api('POST', '/policies', { id: IDS.authoringPolicy, name: 'Authoring', app_access: true, admin_access: false });
	await pair.source.api('POST', '/permissions', { policy: IDS.authoringPolicy, collection: 'directus_files', action: 'read', fields: ['*'] });
	await pair.source.api('POST', '/users', { id: IDS.author, email: 'author@example.com', first_name: 'Ada', password: 'author-source-password', role: IDS.authorsRole });
	await pair.source.api('POST', '/access', { id: IDS.authorsAccess, role: IDS.authorsRole, policy: IDS.authoringPolicy });
	await pair.source.api('PATCH', '/settings', { project_name: 'Source project' });
});
afterAll(async () => {
	await pair?.stop();
});

describe('migration-rollback of a migration-system run', () => {
	it('restores roles, policies, permissions, users, access and settings as they were before the run; a row changed since is a conflict until force; a password change is said not restored', async () => {
		const before = await systemState(pair.destination);

		const run = await flowRun('migration-system', { dryRun: false, scope: ['users', 'settings'], includePasswords: true });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		// The administrator's hash too: the destination's administrator is the source's, mapped.
		expect(run.last.passwords).toMatchObject({ copied: 2 });
		const changed = await systemState(pair.destination);
		expect(changed.roles).toEqual(expect.arrayContaining([expect.objectContaining({ id: IDS.authorsRole }), expect.objectContaining({ id: IDS.reviewersRole, description: 'Reviews what authors write' })]));
		expect(changed.users).toEqual(expect.arrayContaining([expect.objectContaining({ id: IDS.author })]));
		// The source's permission id is the destination's own permission there: created under an id the destination picks.
		expect(run.last.changes).toEqual(expect.arrayContaining([expect.objectContaining({ collection: 'directus_permissions', change: 'create', newId: true })]));
		expect(changed.permissions).toHaveLength(before.permissions.length + 1);
		expect(changed.settings.project_name).toBe('Source project');

		// The journal holds what the run wrote, never a password.
		const record = await pair.source.api('GET', `/migration-runs/${run.last.runId}`);
		expect(record.journal).toMatchObject({ file: expect.any(String) });
		const journal = await journalText(record.journal.file);
		expect(journal).toContain('"c":"directus_roles"');
		expect(journal).not.toContain('"password"');
		expect(journal).not.toContain('$argon2');

		const dry = await flowRun('migration-rollback', {});
		expect(dry.resolved, JSON.stringify(dry.last).slice(0, 2000)).toBe(true);
		expect(dry.last).toMatchObject({ dryRun: true, rolledBack: { runId: run.last.runId, operation: 'migration-system' } });
		const none = { conflicts: 0, failed: 0 };
		expect(dry.last.collections).toMatchObject({
			directus_roles: { deleted: 1, restored: 1, ...none },
			directus_policies: { deleted: 1, ...none },
			directus_permissions: { deleted: 1, ...none },
			// The author, and the source's administrator (a user of its own on the destination).
			directus_users: { deleted: 2, ...none },
			directus_access: { deleted: 1, ...none },
			directus_settings: { restored: 1, ...none },
		});
		expect(dry.last.warnings).toEqual([expect.objectContaining({ code: 'DATA_NOT_RESTORED', message: expect.stringContaining('2 user password(s)') })]);
		expect(await systemState(pair.destination)).toEqual(changed);

		// Changed on the destination since the run: the rollback leaves it alone.
		await pair.destination.api('PATCH', `/roles/${IDS.reviewersRole}`, { description: 'Edited on the destination after the run' });
		const undone = await flowRun('migration-rollback', { dryRun: false });
		expect(undone.resolved).toBe(false);
		expect(undone.last).toMatchObject({ code: 'ROLLBACK_CONFLICT', conflicts: [{ collection: 'directus_roles', key: IDS.reviewersRole, change: 'updated', fields: ['description'] }] });
		const left = await systemState(pair.destination);
		expect(left).toEqual({ ...before, roles: before.roles.map((role: { id: string }) => (role.id === IDS.reviewersRole ? { ...role, description: 'Edited on the destination after the run' } : role)) });
		expect((await pair.source.api('GET', `/migration-runs/${run.last.runId}`)).rolledBackBy).toBeNull();

		const forced = await flowRun('migration-rollback', { dryRun: false, force: true });
		expect(forced.resolved, JSON.stringify(forced.last).slice(0, 2000)).toBe(true);
		expect(forced.last).toMatchObject({ ok: true, forced: 1, rolledBack: { runId: run.last.runId } });
		expect(await systemState(pair.destination)).toEqual(before);
		expect((await pair.source.api('GET', `/migration-runs/${run.last.runId}`)).rolledBackBy).toBe(forced.last.runId);
	});

	it('undoes a run that wrote over REST as well: the destination is as it was before it', async () => {
		const before = await systemState(pair.destination);
		const run = await flowRun('migration-system', { dryRun: false, scope: ['users', 'settings'], writePath: 'rest' });
		expect(run.resolved, JSON.stringify(run.last).slice(0, 2000)).toBe(true);
		expect(run.last.writePath).toBe('rest');
		expect(await systemState(pair.destination)).not.toEqual(before);

		const undone = await flowRun('migration-rollback', { dryRun: false });
		expect(undone.resolved, JSON.stringify(undone.last).slice(0, 2000)).toBe(true);
		expect(undone.last).toMatchObject({ ok: true, forced: 0, rolledBack: { runId: run.last.runId, operation: 'migration-system' } });
		expect(undone.last.warnings).toBeUndefined();
		expect(await systemState(pair.destination)).toEqual(before);
	});
});
