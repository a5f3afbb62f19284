import { randomUUID } from 'node:crypto';
import { uploadFile } from './content-fixtures.ts';
import type { DirectusInstance } from './instance.ts';
import { createCollection, createManyToAny, createManyToOne, integerKey, stringField } from './schema-fixtures.ts';

/**
 * The types and shapes a migration must carry exactly, beyond the blog of the other fixtures:
 * - `fidelity_values`: more rows than a batch, with a wide decimal (precision 30, scale 10: past
 *   double precision), a bigInteger past 2^53, boolean, date, time, dateTime, timestamp, JSON with
 *   nulls inside objects and ordered arrays, csv, uuid (and geometry where the vendor stores it);
 * - `fidelity_accounts`: a `hash` field and a `conceal` field (Directus only ever shows them masked);
 * - an M2A page builder whose blocks hold files;
 * - a 2-cycle with a NOT NULL link (owners must point at a pet; pets may point back);
 * - a 3-cycle of nullable links (a → b → c → a): breaking one link is enough.
 */
export const FIDELITY_COLLECTIONS = [
	'fidelity_values',
	'fidelity_accounts',
	'fidelity_pages',
	'fidelity_pages_blocks',
	'fidelity_block_image',
	'fidelity_block_quote',
	'fidelity_owners',
	'fidelity_pets',
	'fidelity_a',
	'fidelity_b',
	'fidelity_c',
];

/** The fields Directus masks on read: a migration cannot read them over REST, it must name them. */
export const MASKED_FIELDS = { collection: 'fidelity_accounts', hash: 'secret', conceal: 'api_key' };

/** The smallest value of `big`: 2^53 + 1, which a double rounds to 2^53. */
export const BIG_START = 9007199254740993n;

export interface FidelitySchema {
	/** Whether the vendor stores geometry (SQLite needs SpatiaLite, PostgreSQL needs PostGIS). */
	geometry: boolean;
	/** Directus's answer when it refused the geometry field. */
	geometryRefusal?: string;
}

/** A field of `type` with an input interface (and what `extra` adds or replaces). */
export const field = (name: string, type: string, extra: Record<string, unknown> = {}) => ({ field: name, type, meta: { interface: 'input' }, schema: {}, ...extra });

/** The fields of `fidelity_values` (see fidelityValue), geometry aside. */
export const VALUE_FIELDS = [
	integerKey,
	field('amount', 'decimal', { schema: { numeric_precision: 30, numeric_scale: 10 } }),
	field('big', 'bigInteger'),
	field('flag', 'boolean', { meta: { interface: 'boolean', special: ['cast-boolean'] } }),
	field('day', 'date', { meta: { interface: 'datetime' } }),
	field('clock', 'time', { meta: { interface: 'datetime' } }),
	field('moment', 'dateTime', { meta: { interface: 'datetime' } }),
	field('stamp', 'timestamp', { meta: { interface: 'datetime' } }),
	field('doc', 'json', { meta: { interface: 'input-code', special: ['cast-json'] } }),
	field('labels', 'csv', { meta: { interface: 'tags', special: ['cast-csv'] } }),
	field('ref', 'uuid'),
];

export async function createFidelitySchema(instance: DirectusInstance): Promise<FidelitySchema> {
	await createCollection(instance, 'fidelity_values', VALUE_FIELDS);
	let geometry = true;
	let geometryRefusal: string | undefined;
	// Directus may accept the field and still fail every write to it (SQLite without SpatiaLite has no
	// st_geomfromtext): a probe row decides, and the field goes again where it cannot hold a value.
	try {
		await instance.api('POST', '/fields/fidelity_values', field('place', 'geometry.Point', { meta: { interface: 'map' } }));
		await instance.api('POST', '/items/fidelity_values', { id: 999_999, place: { type: 'Point', coordinates: [1, 2] } });
		await instance.api('DELETE', '/items/fidelity_values/999999');
	} catch (error) {
		geometry = false;
		geometryRefusal = (error as Error).message.replace(/\s+/g, ' ').slice(0, 200);
		await instance.api('DELETE', '/fields/fidelity_values/place').catch(() => undefined);
	}

	await createCollection(instance, 'fidelity_accounts', [
		integerKey,
		stringField('login'),
		field(MASKED_FIELDS.hash, 'hash', { meta: { interface: 'input-hash', special: ['hash'] } }),
		field(MASKED_FIELDS.conceal, 'string', { meta: { interface: 'input', special: ['conceal'], options: { masked: true } } }),
	]);

	// An M2A builder whose blocks hold files.
	await createCollection(instance, 'fidelity_block_image', [integerKey, stringField('caption')]);
	await createCollection(instance, 'fidelity_block_quote', [integerKey, field('quote', 'text')]);
	for (const [collection, fileField] of [['fidelity_block_image', 'image'], ['fidelity_block_quote', 'portrait']] as const) {
		await instance.api('POST', `/fields/${collection}`, { field: fileField, type: 'uuid', meta: { interface: 'file-image', special: ['file'] }, schema: {} });
		await instance.api('POST', '/relations', { collection, field: fileField, related_collection: 'directus_files', schema: { on_delete: 'SET NULL' } });
	}
	await createCollection(instance, 'fidelity_pages', [integerKey, stringField('title')]);
	await createManyToAny(instance, { parent: 'fidelity_pages', alias: 'blocks', junction: 'fidelity_pages_blocks', blocks: ['fidelity_block_image', 'fidelity_block_quote'], sortField: true });

	// A 2-cycle whose one link is NOT NULL: only the nullable link (pets.owner) may be deferred.
	await createCollection(instance, 'fidelity_owners', [integerKey, stringField('name')]);
	await createCollection(instance, 'fidelity_pets', [integerKey, stringField('name')]);
	await createManyToOne(instance, 'fidelity_owners', 'favourite_pet', 'fidelity_pets', { onDelete: 'NO ACTION', notNull: true });
	await createManyToOne(instance, 'fidelity_pets', 'owner', 'fidelity_owners');

	// A 3-cycle of nullable links.
	for (const name of ['fidelity_a', 'fidelity_b', 'fidelity_c']) await createCollection(instance, name, [integerKey, stringField('name')]);
	await createManyToOne(instance, 'fidelity_a', 'b', 'fidelity_b');
	await createManyToOne(instance, 'fidelity_b', 'c', 'fidelity_c');
	await createManyToOne(instance, 'fidelity_c', 'a', 'fidelity_a');
	return { geometry, geometryRefusal };
}

/** Row `index` of fidelity_values: every 50th row holds nulls in every nullable field. */
export function fidelityValue(index: number, geometry: boolean): Record<string, unknown> {
	const id = index + 1;
	if (index % 50 === 49) {
		const empty: Record<string, unknown> = { id, amount: null, big: null, flag: null, day: null, clock: null, moment: null, stamp: null, doc: null, labels: null, ref: null };
		if (geometry) empty['place'] = null;
		return empty;
	}
	const row: Record<string, unknown> = {
		id,
		// 20 integer digits and 10 decimals: 30 significant digits, twice what a double holds.
		amount: `${10n ** 19n + BigInt(index)}.${String(index * 7919 + 1).padStart(10, '0').slice(-10)}`,
		// 2^53 + 1 + 2·index: odd, so never a double.
		big: String(BIG_START + 2n * BigInt(index)),
		flag: index % 3 === 0,
		day: `2024-${String((index % 12) + 1).padStart(2, '0')}-${String((index % 28) + 1).padStart(2, '0')}`,
		clock: `${String(index % 24).padStart(2, '0')}:${String(index % 60).padStart(2, '0')}:${String((index * 7) % 60).padStart(2, '0')}`,
		moment: `2023-06-${String((index % 28) + 1).padStart(2, '0')}T${String(index % 24).padStart(2, '0')}:30:15`,
		stamp: `2022-03-${String((index % 28) + 1).padStart(2, '0')}T${String((index + 5) % 24).padStart(2, '0')}:45:30.000Z`,
		doc: { a: null, n: index, nested: { b: null, list: [3, 1, 2] }, order: ['zeta', 'alpha', `m${index}`], empty: {} },
		labels: ['zeta', 'alpha', `n${index}`],
		ref: randomUUID(),
	};
	if (geometry) row['place'] = { type: 'Point', coordinates: [13.4 + index / 1000, 52.5] };
	return row;
}

export const VALUE_ROWS = 1_100;

/** Seeds every shape; returns the ids of the files the blocks hold. */
export async function seedFidelity(source: DirectusInstance, schema: FidelitySchema): Promise<{ blockFileIds: string[] }> {
	for (let start = 0; start < VALUE_ROWS; start += 100) {
		const rows = Array.from({ length: Math.min(100, VALUE_ROWS - start) }, (_, offset) => fidelityValue(start + offset, schema.geometry));
		await source.api('POST', '/items/fidelity_values', rows);
	}
	await source.api('POST', '/items/fidelity_accounts', [
		{ id: 1, login: 'ada', [MASKED_FIELDS.hash]: 'correct horse battery staple', [MASKED_FIELDS.conceal]: 'key-ada-1' },
		{ id: 2, login: 'grace', [MASKED_FIELDS.hash]: 'another secret', [MASKED_FIELDS.conceal]: 'key-grace-2' },
	]);

	const blockFileIds = [
		await uploadFile(source, 'fidelity-image-1', 3000, { title: 'Image one' }),
		await uploadFile(source, 'fidelity-image-2', 3100, { title: 'Image two' }),
		await uploadFile(source, 'fidelity-portrait', 3200, { title: 'Portrait' }),
	];
	await source.api('POST', '/items/fidelity_block_image', [
		{ id: 1, caption: 'First', image: blockFileIds[0] },
		{ id: 2, caption: 'Second', image: blockFileIds[1] },
	]);
	await source.api('POST', '/items/fidelity_block_quote', [{ id: 1, quote: 'Order matters.', portrait: blockFileIds[2] }]);
	await source.api('POST', '/items/fidelity_pages', [{ id: 1, title: 'Landing' }]);
	await source.api('POST', '/items/fidelity_pages_blocks', [
		{ fidelity_pages_id: 1, collection: 'fidelity_block_quote', item: '1', sort: 1 },
		{ fidelity_pages_id: 1, collection: 'fidelity_block_image', item: '2', sort: 2 },
		{ fidelity_pages_id: 1, collection: 'fidelity_block_image', item: '1', sort: 3 },
	]);

	await source.api('POST', '/items/fidelity_pets', [{ id: 1, name: 'Rex' }, { id: 2, name: 'Tom' }]);
	await source.api('POST', '/items/fidelity_owners', [{ id: 1, name: 'Ann', favourite_pet: 1 }, { id: 2, name: 'Bo', favourite_pet: 2 }]);
	await source.api('PATCH', '/items/fidelity_pets', [{ id: 1, owner: 1 }, { id: 2, owner: 2 }]);

	await source.api('POST', '/items/fidelity_a', [{ id: 1, name: 'a1' }, { id: 2, name: 'a2' }]);
	await source.api('POST', '/items/fidelity_b', [{ id: 1, name: 'b1' }, { id: 2, name: 'b2' }]);
	await source.api('POST', '/items/fidelity_c', [{ id: 1, name: 'c1', a: 1 }, { id: 2, name: 'c2', a: 2 }]);
	await source.api('PATCH', '/items/fidelity_a', [{ id: 1, b: 1 }, { id: 2, b: 2 }]);
	await source.api('PATCH', '/items/fidelity_b', [{ id: 1, c: 1 }, { id: 2, c: 2 }]);
	return { blockFileIds };
}

