import type { Snapshot, SnapshotDiff } from '@directus/types';
import { describe, expect, it } from 'vitest';
import { normalizeValue, valuesEqual } from '../../src/lib/compare/normalize.js';
import { restrictDiff, summarizeDiff } from '../../src/lib/schema/diff-summary.js';
import { convertSnapshot, decimalForDoubles, isVendorSpelling } from '../../src/lib/schema/vendor-conversion.js';

const floatField = (collection: string, field: string) =>
	({ collection, field, type: 'float', meta: {}, schema: { name: field, table: collection, data_type: 'float', numeric_precision: null, numeric_scale: null } }) as never;
const snapshot = (vendor: string, fields: unknown[]) => ({ version: 1, directus: '12.3.1', vendor, collections: [], fields, systemFields: [], relations: [] }) as unknown as Snapshot;

describe('a schema across database vendors', () => {
	it('converts a SQLite float to a decimal wide enough for every double the source holds, and names it', () => {
		const source = snapshot('sqlite', [floatField('prices', 'amount')]);
		const { snapshot: converted, conversions, refused } = convertSnapshot(source, snapshot('postgres', []), [
			{ collection: 'prices', field: 'amount', largest: 10000000000000002048, smallest: 0.99 },
		]);
		expect(refused).toEqual([]);
		const amount = converted.fields[0]!;
		expect(amount.type).toBe('decimal');
		expect(amount.schema).toMatchObject({ numeric_precision: 20 + 17, numeric_scale: 17 });
		expect(conversions).toEqual([expect.objectContaining({ collection: 'prices', field: 'amount', to: 'decimal(37, 17)' })]);
		expect(converted.vendor).toBe('postgres');
	});

	it('keeps a wider decimal the destination already has, and refuses a float no decimal can hold', () => {
		const source = snapshot('sqlite', [floatField('prices', 'amount'), floatField('prices', 'huge')]);
		const destination = snapshot('mysql', [{ collection: 'prices', field: 'amount', type: 'decimal', schema: { numeric_precision: 30, numeric_scale: 20 } }]);
		const { conversions, refused } = convertSnapshot(source, destination, [
			{ collection: 'prices', field: 'amount', largest: 12.5, smallest: 0.5 },
			{ collection: 'prices', field: 'huge', largest: 1e300, smallest: 1 },
		]);
		expect(conversions.map((entry) => entry.to)).toEqual(['decimal(30, 20)']);
		expect(refused).toEqual([expect.objectContaining({ field: 'huge' })]);
	});

	it('converts nothing between two databases of the same vendor', () => {
		const source = snapshot('sqlite', [floatField('prices', 'amount')]);
		expect(convertSnapshot(source, snapshot('sqlite', []), [{ collection: 'prices', field: 'amount', largest: 1, smallest: 1 }]).conversions).toEqual([]);
	});

	it('a decimal for doubles has the integer digits of the largest and 17 significant digits for the smallest', () => {
		expect(decimalForDoubles({ largest: 199.99, smallest: 0.99 })).toEqual({ precision: 20, scale: 17 });
		expect(decimalForDoubles({ largest: 1e19, smallest: 1e19 })).toEqual({ precision: 20, scale: 0 });
		expect(decimalForDoubles({ largest: null, smallest: null })).toEqual({ precision: 11, scale: 10 });
	});

	it('sees a type name, an integer width or a uuid length as spelling, never a string length or a decimal scale', () => {
		const edit = (name: string, lhs: unknown, rhs: unknown) => ({ kind: 'E', path: ['schema', name], lhs, rhs });
		expect(isVendorSpelling(edit('data_type', 'character varying', 'varchar'), 'string')).toBe(true);
		expect(isVendorSpelling(edit('numeric_precision', 32, null), 'integer')).toBe(true);
		expect(isVendorSpelling(edit('max_length', null, 36), 'uuid')).toBe(true);
		expect(isVendorSpelling(edit('default_value', 'now()', 'CURRENT_TIMESTAMP'), 'timestamp')).toBe(true);
		expect(isVendorSpelling({ kind: 'E', path: ['type'], lhs: 'string', rhs: 'uuid' }, 'uuid')).toBe(true);
		expect(isVendorSpelling({ kind: 'E', path: ['type'], lhs: 'text', rhs: 'string' }, 'string')).toBe(false);
		expect(isVendorSpelling(edit('max_length', 255, 100), 'string')).toBe(false);
		expect(isVendorSpelling(edit('numeric_scale', 3, 2), 'decimal')).toBe(false);
		expect(isVendorSpelling(edit('default_value', 'a', 'b'), 'string')).toBe(false);
		expect(isVendorSpelling(edit('is_nullable', true, false), 'integer')).toBe(false);
	});

	it('a diff across vendors that only spells the schema differently is in sync; on one vendor it is not', () => {
		const diff = {
			collections: [],
			fields: [{ collection: 'pets', field: 'owner', diff: [{ kind: 'E', path: ['schema', 'numeric_precision'], lhs: 32, rhs: null }] }],
			systemFields: [{ collection: 'directus_files', field: 'folder', diff: [{ kind: 'E', path: ['schema', 'is_indexed'], lhs: true, rhs: false }] }],
			relations: [{ collection: 'pets', field: 'owner', related_collection: 'owners', diff: [{ kind: 'E', path: ['schema', 'constraint_name'], lhs: 'pets_owner_foreign', rhs: null }] }],
		} as unknown as SnapshotDiff;
		expect(summarizeDiff(restrictDiff(diff, 'merge', null, { 'pets.owner': 'integer' })).inSync).toBe(true);
		expect(summarizeDiff(restrictDiff(diff, 'merge', null)).inSync).toBe(false);
	});
});

describe('values compared by meaning across vendors', () => {
	it('a bigint 939524 equals "939524", and a decimal 0.99 equals "0.990"', () => {
		expect(valuesEqual(939524, '939524', 'bigInteger')).toBe(true);
		expect(valuesEqual(0.99, '0.990', 'decimal')).toBe(true);
		expect(valuesEqual('0.99', '0.991', 'decimal')).toBe(false);
		expect(valuesEqual('9007199254740993', 9007199254740992, 'bigInteger')).toBe(false);
	});

	it('a double read from SQLite equals the decimal text the destination stores for it', () => {
		expect(valuesEqual(10000000000000002000, '10000000000000002000.00000000000000000', 'float')).toBe(true);
		expect(valuesEqual(0.99, '0.99000000000000000', 'float')).toBe(true);
		expect(normalizeValue('float', '0.99000000000000000')).toBe(0.99);
	});

	it('a tinyint boolean, JSON as text and a datetime without zone compare by meaning', () => {
		expect(valuesEqual(1, true, 'boolean')).toBe(true);
		expect(valuesEqual('{"b":1,"a":[2,1]}', { a: [2, 1], b: 1 }, 'json')).toBe(true);
		expect(valuesEqual('2023-06-01 12:30:15', '2023-06-01T12:30:15', 'dateTime')).toBe(true);
	});
});
