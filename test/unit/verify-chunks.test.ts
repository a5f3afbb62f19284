import { describe, expect, it } from 'vitest';
import type { CollectionModel } from '../../src/lib/plan/collection-model.js';
import { checksumsOf, chunkChecksum, compareChunk, extraKeys } from '../../src/lib/verify/chunk.js';
import { comparedFields } from '../../src/lib/items/compared-fields.js';
import { isInSync, recordChunk, emptyCollectionReport } from '../../src/lib/verify/report.js';
import { referencedFiles } from '../../src/lib/verify/files.js';

const types = { id: 'integer', amount: 'decimal', big: 'bigInteger', doc: 'json', title: 'string' };
const fields = ['id', 'amount', 'big', 'doc', 'title'];
const sourceRows = [
	{ id: 1, amount: '1.5000000000', big: '9007199254740993', doc: { a: 1, b: null }, title: 'one' },
	{ id: 2, amount: '2', big: '2', doc: [1, 2], title: 'two' },
	{ id: 3, amount: '3.25', big: '3', doc: null, title: 'three' },
];
const byKey = (rows: Record<string, unknown>[]) => new Map(rows.map((row) => [String(row['id']), row]));

describe('chunk checksums', () => {
	it('are equal for equal data spelled differently by two databases, in any row order', () => {
		const destination = [
			{ id: '3', amount: 3.25, big: 3, doc: null, title: 'three' },
			{ id: '1', amount: 1.5, big: '9007199254740993', doc: '{"b":null,"a":1}', title: 'one' },
			{ id: '2', amount: '2.00', big: 2, doc: [1, 2], title: 'two' },
		];
		expect(chunkChecksum(destination, 'id', fields, types)).toBe(chunkChecksum(sourceRows, 'id', fields, types));
		expect(compareChunk(sourceRows, byKey(destination), 'id', fields, types)).toEqual({ missing: [], differing: [] });
	});

	it('differ when one value differs past double precision', () => {
		const destination = sourceRows.map((row) => (row.id === 1 ? { ...row, big: '9007199254740992' } : row));
		expect(chunkChecksum(destination, 'id', fields, types)).not.toBe(chunkChecksum(sourceRows, 'id', fields, types));
	});
});

describe('the destination side of a chunk', () => {
	it('answers row checksums only when the caller said a checksum of its own and it differs', () => {
		const mine = chunkChecksum(sourceRows, 'id', fields, types);
		expect(checksumsOf(sourceRows, 'id', fields, types, mine)).toEqual({ checksum: mine, rows: 3, rowChecksums: null });
		expect(checksumsOf(sourceRows, 'id', fields, types, undefined)).toEqual({ checksum: mine, rows: 3, rowChecksums: null });
		const answer = checksumsOf(sourceRows, 'id', fields, types, 'another');
		expect(Object.keys(answer.rowChecksums ?? {})).toEqual(['1', '2', '3']);
	});
});

describe('drilling into a differing chunk', () => {
	it('names the missing keys and, per differing row, exactly the fields that differ', () => {
		const destination = [
			{ id: 1, amount: '1.5', big: '9007199254740993', doc: { a: 1 }, title: 'one' },
			{ id: 2, amount: '2', big: '2', doc: [2, 1], title: 'TWO' },
		];
		expect(compareChunk(sourceRows, byKey(destination), 'id', fields, types)).toEqual({
			missing: [3],
			differing: [
				{ key: 1, fields: ['doc'] },
				{ key: 2, fields: ['doc', 'title'] },
			],
		});
	});

	it('finds destination keys the source does not have', () => {
		expect(extraKeys([1, 2, 9, 10], new Set(['1', '2']))).toEqual([9, 10]);
	});

	it('keeps the listed keys bounded however many rows differ', () => {
		const report = emptyCollectionReport([]);
		for (let chunk = 0; chunk < 10; chunk++) {
			const missing = Array.from({ length: 100 }, (_, index) => chunk * 100 + index);
			recordChunk(report, 100, { missing, differing: [] });
		}
		expect(report.rows).toBe(1000);
		expect(report.missing).toBe(1000);
		expect(report.missingKeys).toHaveLength(50);
	});
});

describe('what is in sync', () => {
	const collection = (extra: number) => ({ ...emptyCollectionReport([]), rows: 5, extra });

	it('extra destination rows are reported but make it out of sync only with deleteMissing', () => {
		expect(isInSync({ collections: { a: collection(2) }, files: null }, false)).toBe(true);
		expect(isInSync({ collections: { a: collection(2) }, files: null }, true)).toBe(false);
	});

	it('a differing file makes it out of sync', () => {
		const files = { checked: 1, missing: 0, differing: 1, missingIds: [], differingFiles: [{ id: 'f', fields: ['bytes'] }] };
		expect(isInSync({ collections: { a: collection(0) }, files }, false)).toBe(false);
	});
});

describe('compared fields', () => {
	const model: CollectionModel = {
		collection: 'articles',
		primaryKey: 'id',
		autoIncrement: true,
		singleton: false,
		fields: ['id', 'title', 'image', 'date_created', 'user_created', 'date_updated', 'user_updated'],
		types: {},
		links: [{ field: 'image', related: 'directus_files', nullable: true }],
		stamps: { dateCreated: ['date_created'], dateUpdated: ['date_updated'], userCreated: ['user_created'], userUpdated: ['user_updated'] },
		concealed: ['secret'],
	};

	it('leaves out what the destination stamps and what is hashed, and names them', () => {
		const { compared, notCompared } = comparedFields(model, { compareAuthorship: false });
		expect(compared).toEqual(['id', 'title', 'image']);
		expect(notCompared).toEqual([
			{ field: 'date_updated', reason: 'STAMPED_BY_DESTINATION' },
			{ field: 'user_updated', reason: 'STAMPED_BY_DESTINATION' },
			{ field: 'date_created', reason: 'STAMPED_BY_DESTINATION' },
			{ field: 'user_created', reason: 'STAMPED_BY_DESTINATION' },
			{ field: 'secret', reason: 'HASHED_OR_CONCEALED' },
		]);
	});

	it('compares authorship when the migration carried it', () => {
		expect(comparedFields(model, { compareAuthorship: true }).compared).toEqual(['id', 'title', 'image', 'date_created', 'user_created']);
	});

	it('finds the files rows reference, each once', () => {
		expect(referencedFiles(model, [{ image: 'a' }, { image: 'a' }, { image: null }, { image: 'b' }], ['image'])).toEqual(['a', 'b']);
	});
});
