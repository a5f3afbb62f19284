import { describe, expect, it } from 'vitest';
import { chunkChecksum } from '../../src/lib/verify/chunk.js';
import { databaseVendor, readableAsStored, storedRowText, storedVendorOf } from '../../src/lib/items/stored-rows.js';

const text = (value: unknown) => storedRowText({ value }, ['value']);

describe('rows as stored', () => {
	it('no two different stored values share a text: a string is not the number, null or boolean it spells', () => {
		const values: unknown[] = [null, 'null', 1, '1', 1.5, '1.5', true, 'true', 0, false, NaN, 'NaN', Infinity, -Infinity, 12345678901234567890n, '', ' ', 'a,b', ['a', 'b'], { a: 1 }, '{"a":1}', new Date(0), 0.1 + 0.2, 0.3, Buffer.from('x'), 'Bx'];
		const texts = values.map(text);
		expect(new Set(texts).size).toBe(values.length);
	});

	it('a row\'s text keeps its fields apart: a comma inside a string does not shift a value into the next field', () => {
		expect(storedRowText({ a: 'x,', b: 'y' }, ['a', 'b'])).not.toBe(storedRowText({ a: 'x', b: ',y' }, ['a', 'b']));
		expect(storedRowText({ a: null, b: 'y' }, ['a', 'b'])).not.toBe(storedRowText({ a: 'y', b: null }, ['a', 'b']));
	});

	it('takes the text SQLite wrote for the row when there is one', () => {
		expect(storedRowText({ id: 1, __stored_text: "1,'a'" }, ['id', 'title'])).toBe("1,'a'");
	});

	it('checksums of rows as stored differ when one value differs past double precision', () => {
		const rows = (big: string) => [{ id: 1, big }, { id: 2, big: '5' }];
		const checksum = (big: string) => chunkChecksum(rows(big), 'id', ['id', 'big'], {}, storedRowText);
		expect(checksum('9007199254740993')).not.toBe(checksum('9007199254740992'));
		expect(checksum('9007199254740993')).toBe(checksum('9007199254740993'));
	});

	it('reads as stored only types whose stored form is exact, and only on SQLite and PostgreSQL', () => {
		const types = { id: 'integer', big: 'bigInteger', when: 'timestamp', place: 'geometry.Point', blob: 'binary', unknown: 'unknown' };
		expect(readableAsStored(['id', 'big', 'when', 'place'], types)).toBe(true);
		expect(readableAsStored(['id', 'blob'], types)).toBe(false);
		expect(readableAsStored(['id', 'unknown'], types)).toBe(false);
		expect(readableAsStored(['id', 'missing'], types)).toBe(false);
		const vendorOf = (client: string) => databaseVendor({ client: { config: { client } } } as never);
		expect(['sqlite3', 'pg', 'mysql', 'mysql2'].map(vendorOf)).toEqual(['sqlite', 'postgres', 'mysql', 'mysql']);
		expect(['sqlite', 'postgres', 'mysql', 'unknown'].map(storedVendorOf)).toEqual(['sqlite', 'postgres', null, null]);
	});
});
