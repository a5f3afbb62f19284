import type { Accountability, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import { KINDS } from '../system/kinds.js';
import { SETTINGS_KEPT_ON_DESTINATION } from '../system/settings.js';
import { batchRefusal, ReceiverRefusal, schemaWritingAsSent, typeProblem, withoutSecrets } from './write-items.js';

/**
 * The destination side of migration-system's writes: a batch of one system collection, in one
 * transaction, through the Directus service of that collection (its checks and license limits stay:
 * a user past the seats or a permission rule Core refuses is refused here as over REST), without
 * per-row activity, revisions or events unless asked. Only the system rows migration-system moves
 * are accepted, field by field (see systemFieldsAllowed).
 */

/** The Directus service writing each system collection migration-system moves (kinds.ts and the settings). */
export const SYSTEM_ROW_SERVICES: Readonly<Record<string, string>> = {
	directus_roles: 'RolesService',
	directus_policies: 'PoliciesService',
	directus_permissions: 'PermissionsService',
	directus_users: 'UsersService',
	directus_access: 'AccessService',
	directus_comments: 'CommentsService',
	directus_presets: 'PresetsService',
	directus_dashboards: 'DashboardsService',
	directus_panels: 'PanelsService',
	directus_flows: 'FlowsService',
	directus_operations: 'OperationsService',
	directus_translations: 'TranslationsService',
	directus_folders: 'FoldersService',
	directus_settings: 'SettingsService',
};

const KIND_FIELDS = new Map(Object.values(KINDS).map((kind) => [kind.collection, new Set(['id', ...kind.fields, ...(kind.links ?? [])])]));

/**
 * The fields the receiver writes of a system collection: exactly those migration-system moves — a
 * kind's id, fields and links (kinds.ts: never a password, token, 2FA secret, auth data or last
 * access), and every project setting but those the destination keeps (settings.ts: its URL, its
 * license and registration, its secrets). Null: a collection the receiver never writes.
 */
export function systemFieldsAllowed(collection: string, schema: SchemaOverview): ReadonlySet<string> | null {
	if (collection === 'directus_settings') {
		const fields = Object.keys(schema.collections['directus_settings']?.fields ?? {});
		return new Set(fields.filter((field) => !(field in SETTINGS_KEPT_ON_DESTINATION)));
	}
	return KIND_FIELDS.get(collection) ?? null;
}

export interface SystemWriteBody {
	action: 'create' | 'update';
	rows: Record<string, unknown>[];
	trackActivity: boolean;
	emitEvents: boolean;
}

/**
 * Checks a batch before anything is written: a system collection migration-system moves, only its
 * allowed fields, values of the field's type; an update names its row (the settings: the singleton),
 * a create without an id only where the destination hands out integer ids (a permission, a preset).
 */
export function checkSystemBatch(schema: SchemaOverview, collection: string, body: Pick<SystemWriteBody, 'action' | 'rows'>): void {
	const allowed = SYSTEM_ROW_SERVICES[collection] ? systemFieldsAllowed(collection, schema) : null;
	const overview = schema.collections[collection];
	if (!allowed || !overview) {
		throw new ReceiverRefusal(403, 'COLLECTION_NOT_ALLOWED', `The receiver writes only the system rows migration-system moves; not "${collection}".`);
	}
	const singleton = collection === 'directus_settings';
	if (singleton && (body.action !== 'update' || body.rows.length !== 1)) {
		throw new ReceiverRefusal(400, 'INVALID_PAYLOAD', 'The project settings take one update.');
	}
	const integerKey = ['integer', 'bigInteger'].includes(overview.fields[overview.primary]?.type ?? '');
	const refused: { key: unknown; reason: string }[] = [];
	for (const row of body.rows) {
		const key = row['id'] ?? null;
		const problems: string[] = [];
		if (!singleton && key === null && (body.action === 'update' || !integerKey)) problems.push('has no id');
		for (const [name, value] of Object.entries(row)) {
			const field = overview.fields[name];
			if (!allowed.has(name) || !field || field.type === 'alias') {
				problems.push(`"${name}" is not a field migration-system writes to ${collection}`);
				continue;
			}
			const problem = typeProblem(field.type, value);
			if (problem) problems.push(`${name} ${problem}`);
		}
		if (problems.length > 0) refused.push({ key, reason: problems.join('; ') });
	}
	if (refused.length === 0) return;
	const notAllowed = refused.some(({ reason }) => reason.includes('is not a field migration-system writes'));
	throw batchRefusal(notAllowed ? 'FIELD_NOT_ALLOWED' : 'INVALID_PAYLOAD', collection, refused);
}

export interface SystemReceiverContext {
	services: Record<string, new (options: { knex: Knex; schema: SchemaOverview; accountability: Accountability | null }) => any>;
	database: Knex;
}

/**
 * Writes one checked batch of system rows in one transaction through the collection's Directus
 * service: it lands whole or not at all. The services clear Directus's permission and system caches
 * as they write (roles, policies, permissions, access, users); the run's finish clears them once more
 * after the last commit. Values are written as sent (no stamp of the token's user or of now).
 */
export async function writeSystemBatch(
	context: SystemReceiverContext,
	schema: SchemaOverview,
	collection: string,
	body: SystemWriteBody,
	accountability: Accountability | null,
): Promise<{ written: number }> {
	checkSystemBatch(schema, collection, body);
	const Service = context.services[SYSTEM_ROW_SERVICES[collection]!]!;
	const options = { emitEvents: body.emitEvents, skipTracking: !body.trackActivity, autoPurgeCache: false };
	try {
		await context.database.transaction(async (trx) => {
			const service = new Service({ knex: trx, schema: schemaWritingAsSent(schema, collection), accountability });
			if (collection === 'directus_settings') {
				await service.upsertSingleton(body.rows[0], options);
			} else if (body.action === 'create') {
				await service.createMany(body.rows, options);
			} else {
				for (const { id, ...changes } of body.rows) if (Object.keys(changes).length > 0) await service.updateOne(id, changes, options);
			}
		});
	} catch (error) {
		throw withoutSecrets(error, schema, collection, body.rows);
	}
	return { written: body.rows.length };
}
