import { isLeaseKey } from '../lease/records.js';
import type { DestinationClient } from '../destination/client.js';
import { boundedPush, type Warning } from '../report.js';
import { findAdminIdentity, IdMapping, type AdminIdentity } from './admin-identity.js';
import { RUNS_COLLECTION } from '../runs/store.js';
import { JOURNAL_COLLECTION } from '../runs/journal-store.js';
import { MIGRATIONS_FOLDER } from '../runs/library.js';
import { kindsForRun, SCOPE_KINDS, SYNC_MARKER_BOOKMARK_PREFIX, type Row, type SystemKind } from './kinds.js';
import { DestinationPresence } from './presence.js';
import type { SystemScope } from './scopes.js';
import type { SourceRows } from './source-rows.js';
import { syncExtensions } from './sync-extensions.js';
import { syncScopeRows, type SystemRun } from './sync-rows.js';
import { syncSettings } from './sync-settings.js';
import { SystemTally } from './tally.js';

export interface SystemMigration {
	tally: SystemTally;
	warnings: Warning[];
	admin: { source: AdminIdentity; destination: AdminIdentity };
}

/** Runs the scopes in order; a dry run compares only. Refused rows are counted, never thrown. */
export async function migrateSystem(
	scopes: SystemScope[],
	io: { client: DestinationClient; source: SourceRows; dryRun: boolean; runningFlowId: string | null; activateFlows?: boolean; migrationsFolder?: string | null },
): Promise<SystemMigration> {
	const admin = { source: await sourceAdmin(io.source), destination: await destinationAdmin(io.client) };
	const run: SystemRun = {
		client: io.client,
		source: io.source,
		mapping: IdMapping.forAdmins(admin.source, admin.destination),
		presence: new DestinationPresence(io.client),
		tally: new SystemTally(),
		warnings: [],
		dryRun: io.dryRun,
		leaveOut: leaveOutRunningFlow(io.runningFlowId, io.migrationsFolder ?? null),
		created: {},
	};
	for (const scope of scopes) {
		run.tally.counts(scope);
		if (scope === 'settings') await syncSettings(run);
		else if (scope === 'extensions') await syncExtensions(run);
		else await syncScopeRows(scope, kindsForRun(SCOPE_KINDS[scope], { activateFlows: io.activateFlows ?? false }), run);
	}
	const newUsers = run.created['directus_users'] ?? 0;
	if (newUsers > 0) {
		boundedPush(run.warnings, {
			code: 'PASSWORD_RESET_REQUIRED',
			collection: 'directus_users',
			message: `${newUsers} user(s) ${io.dryRun ? 'would be' : 'were'} created on the destination without a password (passwords, tokens and 2FA secrets are never copied): they must reset their password. Existing users keep their credentials.`,
		});
	}
	return { tally: run.tally, warnings: run.warnings, admin };
}

/**
 * Rows that stay on the source: the Flow that runs the migration (copying it would copy a run half
 * done), the source's own sync markers, run records and run journals (presets that describe its runs into another instance), its
 * Migrations folder (journal and artifact files), and
 * the lease other runs hold on the source as their destination (copied, it would block the destination).
 */
function leaveOutRunningFlow(flowId: string | null, migrationsFolder: string | null): (kind: SystemKind, row: Row) => string | null {
	const reason = 'the Flow running this migration is not copied';
	return (kind, row) => {
		if (kind.collection === 'directus_presets' && String(row['bookmark'] ?? '').startsWith(SYNC_MARKER_BOOKMARK_PREFIX)) {
			return 'a sync marker of this instance’s own migrations is not copied';
		}
		if (kind.collection === 'directus_presets' && row['collection'] === RUNS_COLLECTION) return 'a record of this instance’s own migration runs is not copied';
		if (kind.collection === 'directus_presets' && row['collection'] === JOURNAL_COLLECTION) return 'a journal of this instance’s own migration runs is not copied';
		if (kind.collection === 'directus_folders' && row['name'] === MIGRATIONS_FOLDER && (row['parent'] ?? null) === null) {
			return 'the folder of this instance’s own run journals and artifacts is not copied';
		}
		// Its subfolders (the bytes a run replaced, kept for migration-rollback) stay too.
		if (kind.collection === 'directus_folders' && migrationsFolder !== null && String(row['parent'] ?? '') === migrationsFolder) {
			return 'a folder of this instance’s own run journals and artifacts is not copied';
		}
		if (kind.collection === 'directus_translations' && isLeaseKey(row['key'])) {
			return 'the lease of this instance as a migration destination is not copied';
		}
		if (!flowId) return null;
		if (kind.collection === 'directus_flows' && row['id'] === flowId) return reason;
		if (kind.collection === 'directus_operations' && row['flow'] === flowId) return reason;
		return null;
	};
}

async function sourceAdmin(source: SourceRows): Promise<AdminIdentity> {
	const [roles, policies, access] = await Promise.all([
		source.all('directus_roles', ['id', 'name']),
		source.all('directus_policies', ['id', 'admin_access']),
		source.all('directus_access', ['role', 'user', 'policy'], { policy: { admin_access: { _eq: true } } }),
	]);
	return findAdminIdentity({ roles, policies, access });
}

async function destinationAdmin(client: DestinationClient): Promise<AdminIdentity> {
	const get = (path: string, params: Record<string, unknown>) => client.send<Row[]>({ method: 'GET', path, params: { limit: -1, ...params } });
	const [roles, policies, access] = await Promise.all([
		get('/roles', { fields: ['id', 'name'] }),
		get('/policies', { fields: ['id', 'admin_access'], filter: { admin_access: { _eq: true } } }),
		get('/access', { fields: ['role', 'user', 'policy'], filter: { policy: { admin_access: { _eq: true } } } }),
	]);
	return findAdminIdentity({ roles, policies, access });
}
