import type { DirectusInstance } from './instance.ts';

type Field = Record<string, unknown>;

export const integerKey: Field = {
	field: 'id',
	type: 'integer',
	meta: { hidden: true, interface: 'input', readonly: true },
	schema: { is_primary_key: true, has_auto_increment: true },
};

export const uuidKey: Field = {
	field: 'id',
	type: 'uuid',
	meta: { hidden: true, interface: 'input', readonly: true, special: ['uuid'] },
	schema: { is_primary_key: true, length: 36, has_auto_increment: false },
};

export function stringKey(field: string): Field {
	return {
		field,
		type: 'string',
		meta: { interface: 'input' },
		schema: { is_primary_key: true, length: 255, has_auto_increment: false },
	};
}

export function stringField(field: string, extra: Field = {}): Field {
	return { field, type: 'string', meta: { interface: 'input' }, schema: {}, ...extra };
}

export const auditFields: Field[] = [
	{ field: 'date_created', type: 'timestamp', meta: { special: ['date-created'], interface: 'datetime', readonly: true, hidden: true } },
	{ field: 'date_updated', type: 'timestamp', meta: { special: ['date-updated'], interface: 'datetime', readonly: true, hidden: true } },
	{ field: 'user_created', type: 'uuid', meta: { special: ['user-created'], interface: 'select-dropdown-m2o', readonly: true, hidden: true } },
	{ field: 'user_updated', type: 'uuid', meta: { special: ['user-updated'], interface: 'select-dropdown-m2o', readonly: true, hidden: true } },
];

/** Links user_created/user_updated to directus_users, as the Data Model settings do. */
export async function linkAuditFields(instance: DirectusInstance, collection: string): Promise<void> {
	for (const field of ['user_created', 'user_updated']) {
		await instance.api('POST', '/relations', { collection, field, related_collection: 'directus_users', schema: {} });
	}
}

export async function createCollection(
	instance: DirectusInstance,
	collection: string,
	fields: Field[],
	meta: Record<string, unknown> = {},
): Promise<void> {
	await instance.api('POST', '/collections', { collection, meta: { icon: 'box', ...meta }, schema: {}, fields });
}

/** An M2O field on `collection` pointing at `related`, with an optional O2M alias on `related`. */
export async function createManyToOne(
	instance: DirectusInstance,
	collection: string,
	field: string,
	related: string,
	options: { type?: string; oneField?: string; onDelete?: string; notNull?: boolean } = {},
): Promise<void> {
	// A NOT NULL link: MariaDB cannot change a column a foreign key uses, and SQLite cannot add a NOT
	// NULL column without a default (Directus rebuilds its table on a change): made NOT NULL at creation
	// on the first, after the relation on the second.
	const notNullFirst = options.notNull === true && instance.vendor !== 'sqlite';
	await instance.api('POST', `/fields/${collection}`, {
		field,
		type: options.type ?? 'integer',
		meta: { interface: 'select-dropdown-m2o', special: ['m2o'] },
		schema: notNullFirst ? { is_nullable: false } : {},
	});
	if (options.oneField) {
		await instance.api('POST', `/fields/${related}`, {
			field: options.oneField,
			type: 'alias',
			meta: { interface: 'list-o2m', special: ['o2m'] },
		});
	}
	await instance.api('POST', '/relations', {
		collection,
		field,
		related_collection: related,
		meta: { one_field: options.oneField ?? null },
		schema: { on_delete: options.onDelete ?? 'SET NULL' },
	});
	if (options.notNull && !notNullFirst) await instance.api('PATCH', `/fields/${collection}/${field}`, { schema: { is_nullable: false } });
}

/** An M2M from `left` to `right` through `junction`, with alias `alias` on `left`. */
export async function createManyToMany(
	instance: DirectusInstance,
	left: string,
	alias: string,
	right: string,
	junction: string,
	keyTypes: { left: string; right: string },
): Promise<void> {
	const leftKey = `${left}_id`;
	const rightKey = `${right}_id`;
	await createCollection(instance, junction, [integerKey], { hidden: true });
	await instance.api('POST', `/fields/${junction}`, { field: leftKey, type: keyTypes.left, meta: { hidden: true }, schema: {} });
	await instance.api('POST', `/fields/${junction}`, { field: rightKey, type: keyTypes.right, meta: { hidden: true }, schema: {} });
	await instance.api('POST', `/fields/${left}`, {
		field: alias,
		type: 'alias',
		meta: { interface: 'list-m2m', special: ['m2m'] },
	});
	await instance.api('POST', '/relations', {
		collection: junction,
		field: leftKey,
		related_collection: left,
		meta: { one_field: alias, junction_field: rightKey },
		schema: { on_delete: 'CASCADE' },
	});
	await instance.api('POST', '/relations', {
		collection: junction,
		field: rightKey,
		related_collection: right,
		meta: { one_field: null, junction_field: leftKey },
		schema: { on_delete: 'CASCADE' },
	});
}

/**
 * An M2A builder: `parent` (integer keys) gets the alias `alias`, whose junction `junction` holds
 * `<parent>_id`, `collection` and `item` (and `sort` when `sortField`), pointing at any of `blocks`.
 */
export async function createManyToAny(
	instance: DirectusInstance,
	options: { parent: string; alias: string; junction: string; blocks: string[]; sortField?: boolean },
): Promise<void> {
	const { parent, alias, junction, blocks } = options;
	const parentKey = `${parent}_id`;
	const sort: Field[] = options.sortField ? [{ field: 'sort', type: 'integer', meta: { hidden: true }, schema: {} }] : [];
	await createCollection(instance, junction, [integerKey, stringField('collection'), stringField('item'), ...sort], { hidden: true });
	await instance.api('POST', `/fields/${junction}`, { field: parentKey, type: 'integer', meta: { hidden: true }, schema: {} });
	await instance.api('POST', `/fields/${parent}`, { field: alias, type: 'alias', meta: { interface: 'list-m2a', special: ['m2a'] } });
	await instance.api('POST', '/relations', {
		collection: junction,
		field: 'item',
		related_collection: null,
		meta: { one_allowed_collections: blocks, one_collection_field: 'collection', junction_field: parentKey },
	});
	await instance.api('POST', '/relations', {
		collection: junction,
		field: parentKey,
		related_collection: parent,
		meta: { one_field: alias, junction_field: 'item', ...(options.sortField ? { sort_field: 'sort' } : {}) },
		schema: { on_delete: 'CASCADE' },
	});
}

/**
 * A small blog: authors (integer keys) ← articles (UUID keys, M2O author, O2M back, audit fields),
 * tags (string keys) via the articles_tags junction (M2M), and a site_settings singleton.
 */
export async function createBlogSchema(instance: DirectusInstance): Promise<void> {
	await createCollection(instance, 'authors', [integerKey, stringField('name')]);
	await createCollection(instance, 'tags', [stringKey('code'), stringField('label')]);
	await createCollection(instance, 'articles', [
		uuidKey,
		stringField('title'),
		stringField('status', { schema: { default_value: 'draft' } }),
		{ field: 'body', type: 'text', meta: { interface: 'input-rich-text-html' }, schema: {} },
		{ field: 'metadata', type: 'json', meta: { interface: 'input-code', special: ['cast-json'] }, schema: {} },
		...auditFields,
	]);
	await linkAuditFields(instance, 'articles');
	await createManyToOne(instance, 'articles', 'author', 'authors', { oneField: 'articles' });
	await createManyToMany(instance, 'articles', 'tags', 'tags', 'articles_tags', { left: 'uuid', right: 'string' });
	await createCollection(instance, 'site_settings', [integerKey, stringField('site_title')], { singleton: true });
}

export async function collectionNames(instance: DirectusInstance): Promise<string[]> {
	const collections = await instance.api<{ collection: string }[]>('GET', '/collections?limit=-1');
	return collections.map((entry) => entry.collection).filter((name) => !name.startsWith('directus_')).sort();
}

export async function fieldNames(instance: DirectusInstance, collection: string): Promise<string[]> {
	const fields = await instance.api<{ field: string }[]>('GET', `/fields/${collection}`);
	return fields.map((entry) => entry.field).sort();
}
