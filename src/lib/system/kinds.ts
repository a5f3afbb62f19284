import type { SystemScope } from './scopes.js';

/** A row of a Directus system collection, as plain JSON. */
export type Row = Record<string, unknown>;
export type Id = string | number;

/** A field that points at a row of another (or the same) system collection. */
export interface Reference {
	collection: string;
	/**
	 * `required`: the row is skipped when the target is on neither side (a bookmark of a user that is
	 * not on the destination must not become everybody's bookmark); `optional`: the field is left empty.
	 */
	need: 'required' | 'optional';
}

/** How one system collection is migrated: which fields travel, what they point at, in which order. */
export interface SystemKind {
	collection: string;
	/** REST path on the destination. */
	path: string;
	/** Fields copied and compared (never credentials, never audit columns Directus sets itself). */
	fields: readonly string[];
	/**
	 * Fields written in a second pass, once every row of the scope exists: links that are unique or
	 * point at rows created later (an operation's resolve/reject, a flow's first operation, a comment's author).
	 */
	links?: readonly string[];
	/** Links Directus fills in itself on create (author, date): written after a create even when empty. */
	filledOnCreate?: readonly string[];
	/** The links point at rows written later in the scope: they wait until every row of the scope exists. */
	linksWaitForScope?: boolean;
	/** The links are unique columns: changed ones are emptied before any is set. */
	uniqueLinks?: boolean;
	references?: Readonly<Record<string, Reference>>;
	/** A self reference: rows are written parent first. */
	parentField?: string;
	/** Timestamp fields: compared as instants, not as text. */
	timestamps?: readonly string[];
	/**
	 * Integer keys are handed out by each instance on its own: a destination row with the same id is
	 * the same row only if these fields match; otherwise the id is taken, and the row is matched by
	 * `matchBy` or created under a new id.
	 */
	sameRowWhen?: readonly string[];
	/** A row the destination holds under another id with these fields equal is the same row (takes its id). */
	matchBy?: readonly string[];
	/**
	 * Values a created row gets instead of the source's; once the row exists, these fields are the
	 * destination's own and never compared (a copied Flow starts inactive, and stays as the destination sets it).
	 */
	setOnCreate?: Readonly<Row>;
}

/**
 * The prefix of the presets the content migration keeps on a destination as its sync marker
 * (src/lib/sync-marker.ts): a source's own markers describe its runs into another instance, never copied.
 */
export const SYNC_MARKER_BOOKMARK_PREFIX = 'Migration sync marker from ';

/**
 * The kinds of a run: copied Flows start inactive unless `activateFlows` (a copied Flow with a
 * schedule or an event trigger would otherwise start running on the destination at once).
 */
export function kindsForRun(kinds: readonly SystemKind[], options: { activateFlows: boolean }): SystemKind[] {
	return kinds.map((kind) => (kind.collection === 'directus_flows' && !options.activateFlows ? { ...kind, setOnCreate: { status: 'inactive' } } : kind));
}

const roles: SystemKind = {
	collection: 'directus_roles',
	path: '/roles',
	fields: ['name', 'icon', 'description', 'parent'],
	references: { parent: { collection: 'directus_roles', need: 'required' } },
	parentField: 'parent',
};

const policies: SystemKind = {
	collection: 'directus_policies',
	path: '/policies',
	fields: ['name', 'icon', 'description', 'ip_access', 'enforce_tfa', 'admin_access', 'app_access'],
};

const permissions: SystemKind = {
	collection: 'directus_permissions',
	path: '/permissions',
	fields: ['policy', 'collection', 'action', 'permissions', 'validation', 'presets', 'fields'],
	references: { policy: { collection: 'directus_policies', need: 'required' } },
	sameRowWhen: ['policy', 'collection', 'action'],
	matchBy: ['policy', 'collection', 'action'],
};

/** Never: password, token, tfa_secret, auth_data, last_access, last_page. */
const users: SystemKind = {
	collection: 'directus_users',
	path: '/users',
	fields: [
		'first_name',
		'last_name',
		'email',
		'location',
		'title',
		'description',
		'tags',
		'avatar',
		'language',
		'text_direction',
		'email_notifications',
		'appearance',
		'theme_light',
		'theme_light_overrides',
		'theme_dark',
		'theme_dark_overrides',
		'status',
		'role',
		'provider',
		'external_identifier',
	],
	references: {
		role: { collection: 'directus_roles', need: 'optional' },
		avatar: { collection: 'directus_files', need: 'optional' },
	},
};

const access: SystemKind = {
	collection: 'directus_access',
	path: '/access',
	fields: ['role', 'user', 'policy', 'sort'],
	matchBy: ['role', 'user', 'policy'],
	references: {
		role: { collection: 'directus_roles', need: 'required' },
		user: { collection: 'directus_users', need: 'required' },
		policy: { collection: 'directus_policies', need: 'required' },
	},
};

const comments: SystemKind = {
	collection: 'directus_comments',
	path: '/comments',
	fields: ['collection', 'item', 'comment'],
	// Directus sets author and date on create; they are restored by an update afterwards.
	links: ['user_created', 'date_created'],
	filledOnCreate: ['user_created', 'date_created'],
	references: { user_created: { collection: 'directus_users', need: 'optional' } },
	timestamps: ['date_created'],
};

const presets: SystemKind = {
	collection: 'directus_presets',
	path: '/presets',
	fields: [
		'bookmark',
		'user',
		'role',
		'collection',
		'search',
		'layout',
		'layout_query',
		'layout_options',
		'refresh_interval',
		'filter',
		'icon',
		'color',
	],
	references: {
		user: { collection: 'directus_users', need: 'required' },
		role: { collection: 'directus_roles', need: 'required' },
	},
	sameRowWhen: ['collection', 'user', 'role'],
	matchBy: ['collection', 'user', 'role', 'bookmark'],
};

const dashboards: SystemKind = {
	collection: 'directus_dashboards',
	path: '/dashboards',
	fields: ['name', 'icon', 'note', 'color'],
};

const panels: SystemKind = {
	collection: 'directus_panels',
	path: '/panels',
	fields: ['dashboard', 'name', 'icon', 'color', 'show_header', 'note', 'type', 'position_x', 'position_y', 'width', 'height', 'options'],
	references: { dashboard: { collection: 'directus_dashboards', need: 'required' } },
};

const flows: SystemKind = {
	collection: 'directus_flows',
	path: '/flows',
	fields: ['name', 'icon', 'color', 'description', 'status', 'trigger', 'accountability', 'options'],
	links: ['operation'],
	linksWaitForScope: true,
	uniqueLinks: true,
};

const operations: SystemKind = {
	collection: 'directus_operations',
	path: '/operations',
	fields: ['flow', 'name', 'key', 'type', 'position_x', 'position_y', 'options'],
	links: ['resolve', 'reject'],
	linksWaitForScope: true,
	uniqueLinks: true,
	references: { flow: { collection: 'directus_flows', need: 'required' } },
};

const translations: SystemKind = {
	collection: 'directus_translations',
	path: '/translations',
	fields: ['key', 'language', 'value'],
	matchBy: ['key', 'language'],
};

const folders: SystemKind = {
	collection: 'directus_folders',
	path: '/folders',
	fields: ['name', 'parent'],
	references: { parent: { collection: 'directus_folders', need: 'required' } },
	parentField: 'parent',
};

/**
 * The collections of each row-based scope, in dependency order: roles parent first, policies, their
 * permissions, users (they point at roles), then the access rows linking roles and users to policies.
 */
export const SCOPE_KINDS: Readonly<Record<SystemScope, readonly SystemKind[]>> = {
	folders: [folders],
	users: [roles, policies, permissions, users, access],
	translations: [translations],
	settings: [],
	comments: [comments],
	presets: [presets],
	dashboards: [dashboards, panels],
	flows: [flows, operations],
	extensions: [],
};

export const KINDS = { roles, policies, permissions, users, access, comments, presets, dashboards, panels, flows, operations, translations, folders };
