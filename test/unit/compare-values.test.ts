import { describe, expect, it } from 'vitest';
import { canonicalEqual, canonicalRow, canonicalText, normalizeValue, valuesEqual, type Canonical } from '../../src/lib/compare/normalize.js';
import { diffRows } from '../../src/lib/items/diff-rows.js';

describe('exact comparison of values by Directus type', () => {
	it('sees a bigInteger change past double precision', () => {
		expect(valuesEqual('9007199254740993', '9007199254740992', 'bigInteger')).toBe(false);
		expect(valuesEqual('9007199254740993', '9007199254740993', 'bigInteger')).toBe(true);
		expect(valuesEqual(42, '42', 'bigInteger')).toBe(true);
		expect(valuesEqual('007', 7, 'integer')).toBe(true);
	});

	it('sees a decimal change past double precision, and ignores trailing zeros', () => {
		expect(valuesEqual('12.3456789012345678', '12.3456789012345679', 'decimal')).toBe(false);
		expect(valuesEqual('12.5000000000', 12.5, 'decimal')).toBe(true);
		expect(valuesEqual('12.50', '12.5', 'decimal')).toBe(true);
		expect(valuesEqual('-0.0', 0, 'decimal')).toBe(true);
		expect(valuesEqual('1e3', '1000.00', 'decimal')).toBe(true);
		expect(valuesEqual('100', '10', 'decimal')).toBe(false);
	});

	it('compares floats as numbers', () => {
		expect(valuesEqual('1.50', 1.5, 'float')).toBe(true);
		expect(valuesEqual(0.1, 0.2, 'float')).toBe(false);
	});

	it('reads booleans in the forms databases return them', () => {
		for (const yes of [true, 1, '1', 'true']) expect(valuesEqual(yes, true, 'boolean')).toBe(true);
		for (const no of [false, 0, '0', 'false']) expect(valuesEqual(no, false, 'boolean')).toBe(true);
		expect(valuesEqual(1, 0, 'boolean')).toBe(false);
	});

	it('compares instants whatever their spelling, and dates and times in one form', () => {
		expect(valuesEqual('2026-01-01T10:00:00.000Z', '2026-01-01T10:00:00Z', 'timestamp')).toBe(true);
		expect(valuesEqual('2026-01-01T12:00:00+02:00', '2026-01-01T10:00:00Z', 'timestamp')).toBe(true);
		expect(valuesEqual('2026-01-01T10:00:00Z', '2026-01-01T10:00:00.001Z', 'timestamp')).toBe(false);
		expect(valuesEqual('2026-01-01T10:00:00', '2026-01-01 10:00:00', 'dateTime')).toBe(true);
		expect(valuesEqual('2026-01-01', '2026-01-01T00:00:00', 'date')).toBe(true);
		expect(valuesEqual('2026-01-01', '2026-01-02', 'date')).toBe(false);
		expect(valuesEqual('10:00', '10:00:00', 'time')).toBe(true);
		expect(valuesEqual('10:00:00', '10:00:01', 'time')).toBe(false);
	});

	it('compares JSON deeply: key order ignored, array order and null members kept', () => {
		expect(valuesEqual({ a: 1, b: [1, 2] }, '{"b":[1,2],"a":1}', 'json')).toBe(true);
		expect(valuesEqual({ a: null }, {}, 'json')).toBe(false);
		expect(valuesEqual([1, 2], [2, 1], 'json')).toBe(false);
		expect(valuesEqual({ a: { b: null } }, { a: {} }, 'json')).toBe(false);
		expect(valuesEqual({ a: 1 }, { a: '1' }, 'json')).toBe(false);
	});

	it('compares csv as ordered lists, uuids without case, geometry as GeoJSON', () => {
		expect(valuesEqual(['a', 'b'], 'a,b', 'csv')).toBe(true);
		expect(valuesEqual(['a', 'b'], ['b', 'a'], 'csv')).toBe(false);
		expect(valuesEqual('0F8FAD5B-D9CB-469F-A165-70867728950E', '0f8fad5b-d9cb-469f-a165-70867728950e', 'uuid')).toBe(true);
		const point = { type: 'Point', coordinates: [1, 2] };
		expect(valuesEqual(point, '{"coordinates":[1,2],"type":"Point"}', 'geometry.Point')).toBe(true);
		expect(valuesEqual(point, { type: 'Point', coordinates: [2, 1] }, 'geometry')).toBe(false);
	});

	it('compares text exactly', () => {
		expect(valuesEqual('1.0', '1', 'string')).toBe(false);
		expect(valuesEqual('a', 'A', 'text')).toBe(false);
		expect(valuesEqual('a', 'a', 'text')).toBe(true);
	});

	it('tells null from a value, and null from a missing field', () => {
		expect(valuesEqual(null, 0, 'integer')).toBe(false);
		expect(valuesEqual(null, '', 'string')).toBe(false);
		expect(valuesEqual(null, undefined, 'string')).toBe(true);
	});

	it('without a type, a number equals only the canonical spelling of that number', () => {
		expect(valuesEqual(1, '1')).toBe(true);
		expect(valuesEqual('1.0', '1')).toBe(false);
		expect(valuesEqual(1, '1.0')).toBe(false);
		expect(valuesEqual(1.5, '1.5')).toBe(true);
		expect(valuesEqual({ a: null }, {})).toBe(false);
		expect(valuesEqual({ b: 1, a: [1, 2] }, { a: [1, 2], b: 1 })).toBe(true);
		expect(valuesEqual(true, 'true')).toBe(false);
	});

	it('normalises to JSON-safe canonical values', () => {
		expect(normalizeValue('bigInteger', 9007199254740992)).toBe('9007199254740992');
		expect(normalizeValue('decimal', '0012.3400')).toBe('12.34');
		expect(normalizeValue('decimal', 1e-7)).toBe('0.0000001');
		expect(normalizeValue('timestamp', '2026-01-01 10:00:00')).toBe('2026-01-01T10:00:00.000Z');
	});

	it('writes one canonical text per row whatever the spelling of its values', () => {
		const types = { id: 'integer', price: 'decimal', data: 'json' };
		const a = canonicalRow({ id: 1, price: '1.50', data: { b: 1, a: 2 } }, ['id', 'price', 'data'], types);
		const b = canonicalRow({ data: '{"a":2,"b":1}', price: 1.5, id: '1' }, ['id', 'price', 'data'], types);
		expect(a).toBe(b);
		expect(canonicalRow({ id: 1, price: '1.51', data: {} }, ['id', 'price', 'data'], types)).not.toBe(a);
	});
});

describe('the item differ uses the exact comparison', () => {
	it('updates a bigInteger and a decimal that differ only past double precision', () => {
		const wanted = [{ id: 1, big: '9007199254740993', amount: '12.3456789012345678', doc: { a: null } }];
		const existing = new Map([['1', { id: 1, big: '9007199254740992', amount: '12.3456789012345679', doc: {} }]]);
		const diff = diffRows(wanted, existing, 'id', ['id', 'big', 'amount', 'doc'], { id: 'integer', big: 'bigInteger', amount: 'decimal', doc: 'json' });
		expect(diff.toUpdate).toEqual([{ id: 1, big: '9007199254740993', amount: '12.3456789012345678', doc: { a: null } }]);
	});
});

describe('equality of canonical values without building their texts', () => {
	const values: Canonical[] = [
		null, true, false, 0, 1, -1, 1.5, '', '0', '1', 'a', [], [null], [1, 2], [2, 1], [[1], 2], {}, { a: null }, { a: 1 },
		{ a: '1' }, { b: 1, a: 2 }, { a: 2, b: 1 }, { a: { b: [1, { c: null }] } }, { a: { b: [1, { c: false }] } }, { a: [] }, { a: {} },
	];

	it('agrees with comparing canonical texts for every pair of values', () => {
		for (const a of values) for (const b of values) expect(canonicalEqual(a, b)).toBe(canonicalText(a) === canonicalText(b));
	});
});

describe('canonical text written straight out (the checksums\' fast path)', () => {
	const types = ['integer', 'bigInteger', 'decimal', 'float', 'boolean', 'json', 'string', 'text', 'timestamp', 'dateTime', 'date', 'time', 'csv', 'uuid', 'geometry.Point', 'unknown', undefined];
	const values: unknown[] = [
		null, undefined, 0, -0, 1, -1, 7, 42, 1.5, -0.25, 1e21, 2 ** 53, 2 ** 53 + 2, -(2 ** 60), Number.NaN, Number.POSITIVE_INFINITY,
		'', '0', '-0', '00', '007', '+5', '-12', '12', '9007199254740993', '1.50', '1.5', '-0.5', '0.0', '01.5', '1.', '.5', '1e3', 'abc', ' 42 ',
		true, false, 'true', 'false', '1', 10n, new Date('2026-11-22T17:00:00.123Z'), '2026-11-22T17:00:00.000Z', '2026-11-22 17:00:00', '2026-02-30T00:00:00.000Z',
		'17:05', '17:05:00.500', 'a,b', ['a', 'b'], [], [null, undefined, 1], [1, [2, { b: 1, a: 2 }]], {}, { a: null }, { b: 1, a: { d: undefined, c: [true, 'x'] } },
		{ n: Number.NaN }, { d: new Date('2026-01-01T00:00:00.000Z') }, { big: 10n }, Buffer.from('hi'), Object.assign(Object.create(null), { z: 1, y: 'é"\\' }),
		'{"b":1,"a":[1,2]}', '[1, 2]', 'not json', 'line\nbreak "quoted" \u2028',
		'2024-02-29T23:59:59.999Z', '2000-02-29T00:00:00.000Z', '2023-02-29T00:00:00.000Z', '1900-02-29T00:00:00.000Z', '2026-04-31T00:00:00.000Z',
		'2026-12-31T24:00:00.000Z', '2026-01-01T10:60:00.000Z', '2026-01-01T10:00:60.000Z', '2026-00-10T00:00:00.000Z', '0000-01-01T00:00:00.000Z',
		'2026-11-22T17:00:00.000+00:00', '2026-11-22T17:00:00.12Z',
	];

	it('is the same text as the canonical value\'s, for every type and value', () => {
		for (const type of types) {
			for (const value of values) expect(canonicalRow({ value }, ['value'], { value: type! }), `${type} #${values.indexOf(value)}`).toBe(`[${canonicalText(normalizeValue(type, value))}]`);
		}
	});
});
