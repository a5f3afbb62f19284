import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadFile } from '../harness/content-fixtures.ts';
import { withFlow, type FlowRun } from '../harness/flows.ts';
import { DEFAULT_VENDOR, type DirectusInstance } from '../harness/instance.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { selectAsText } from '../harness/raw-sql.ts';
import { createCollection, integerKey, stringField } from '../harness/schema-fixtures.ts';

/** More rows than a verify chunk (500 by default) and a migration batch (100). */
const ROWS = 2500;
let pair: Pair;
let textFile: string;
let binaryFile: string;

const run = (type: string, options: Record<string, unknown> = {}): Promise<FlowRun> =>
	withFlow(pair.source, [{ key: 'step', type, options }], (flow) => flow.trigger());
const verify = (options: Record<string, unknown> = {}) => run('migration-verify', { collections: ['ledger'], ...options });

async function uploadBinary(instance: DirectusInstance, name: string, bytes: Buffer, replace?: string): Promise<string> {
	const form = new FormData();
	form.append('file', new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' }), `${name}.bin`);
	const response = await fetch(`${instance.url}/files${replace ? `/${replace}` : ''}`, {
		method: replace ? 'PATCH' : 'POST',
		headers: { Authorization: `Bearer ${instance.token}` },
		body: form,
	});
	if (!response.ok) throw new Error(`upload ${name}: ${response.status} ${await response.text()}`);
	return ((await response.json()) as { data: { id: string } }).data.id;
}

beforeAll(async () => {
	pair = await startPair();
	await createCollection(pair.source, 'ledger', [
		integerKey,
		stringField('label'),
		{ field: 'big', type: 'bigInteger', meta: { interface: 'input' }, schema: {} },
		{ field: 'amount', type: 'decimal', meta: { interface: 'input' }, schema: { numeric_precision: 30, numeric_scale: 10 } },
		{ field: 'doc', type: 'json', meta: { interface: 'input-code' }, schema: {} },
		{ field: 'attachment', type: 'uuid', meta: { interface: 'file', special: ['file'] }, schema: {} },
	]);
	await pair.source.api('POST', '/relations', { collection: 'ledger', field: 'attachment', related_collection: 'directus_files', schema: { on_delete: 'SET NULL' } });
	textFile = await uploadFile(pair.source, 'notes', 3000);
	binaryFile = await uploadBinary(pair.source, 'blob', Buffer.alloc(4096, 7));
	for (let start = 1; start <= ROWS; start += 500) {
		const rows = Array.from({ length: 500 }, (_, index) => {
			const n = start + index;
			return {
				label: `row ${n}`,
				big: 1_000_000_000_000 + n,
				amount: `${n}.1234567891`,
				doc: { n, tags: ['b', 'a'], none: null },
				attachment: n === 1 ? textFile : n === 2 ? binaryFile : null,
			};
		});
		await pair.source.api('POST', '/items/ledger', rows);
	}
	const schema = await run('migration-schema-sync', { dryRun: false });
	expect(schema.resolved, JSON.stringify(schema.last)).toBe(true);
});
afterAll(async () => {
	await pair?.stop();
});

describe('migration-verify', () => {
	it('a migration with verify: true ends with its own scope verified in sync', async () => {
		const migrate = await run('migration-migrate-tables', { collections: ['ledger'], verify: true });
		expect(migrate.resolved, JSON.stringify(migrate.last).slice(0, 2000)).toBe(true);
		expect(migrate.last.collections.ledger.created).toBe(ROWS);
		expect(migrate.last.verify).toMatchObject({ inSync: true, collections: { ledger: { rows: ROWS, missing: 0, differing: 0, extra: 0 } } });
		expect(migrate.last.verify.files).toMatchObject({ checked: 2, missing: 0, differing: 0 });
	});

	it('resolves in sync for an unchanged destination, reading only', async () => {
		const before = await pair.destination.api('GET', '/items/ledger?aggregate[count]=*');
		const result = await verify({ includeFiles: true });
		expect(result.resolved, JSON.stringify(result.last).slice(0, 2000)).toBe(true);
		expect(result.last).toMatchObject({
			operation: 'migration-verify',
			inSync: true,
			collections: { ledger: { rows: ROWS, missing: 0, differing: 0, extra: 0 } },
			files: { checked: 2, missing: 0, differing: 0 },
			repair: null,
		});
		expect(await pair.destination.api('GET', '/items/ledger?aggregate[count]=*')).toEqual(before);
	});

	it('reports an extra destination row but stays in sync without deleteMissing', async () => {
		await pair.destination.api('POST', '/items/ledger', { id: 5000, label: 'only on the destination' });
		const result = await verify();
		expect(result.resolved, JSON.stringify(result.last).slice(0, 2000)).toBe(true);
		expect(result.last.collections.ledger).toMatchObject({ rows: ROWS, missing: 0, differing: 0, extra: 1, extraKeys: [5000] });
	});

	it('rejects OUT_OF_SYNC naming the changed field, the deleted row and the extra row', async () => {
		await pair.destination.api('PATCH', '/items/ledger/1234', { amount: '1234.1234567892' });
		await pair.destination.api('DELETE', '/items/ledger/777');

		const result = await verify({ deleteMissing: true });
		expect(result.resolved).toBe(false);
		expect(result.last).toMatchObject({ code: 'OUT_OF_SYNC', inSync: false });
		expect(result.last.collections.ledger).toMatchObject({
			rows: ROWS,
			missing: 1,
			missingKeys: [777],
			differing: 1,
			differingRows: [{ key: 1234, fields: ['amount'] }],
			extra: 1,
			extraKeys: [5000],
		});
	});

	it('compares only the chosen keys when keys are given', async () => {
		const result = await verify({ keys: [1, 2, 3], deleteMissing: true });
		expect(result.resolved, JSON.stringify(result.last).slice(0, 2000)).toBe(true);
		expect(result.last.collections.ledger).toMatchObject({ rows: 3, missing: 0, differing: 0, extra: 0 });
	});

	it('repair rewrites the missing and differing rows, deletes the extra one, and ends in sync', async () => {
		const result = await verify({ repair: true, deleteMissing: true });
		expect(result.resolved, JSON.stringify(result.last).slice(0, 2000)).toBe(true);
		expect(result.last).toMatchObject({
			inSync: true,
			repair: { created: 1, updated: 1, deleted: 1, failed: 0 },
			collections: { ledger: { rows: ROWS, missing: 0, differing: 0, extra: 0 } },
		});
		const repaired = await pair.destination.api<Record<string, unknown>>('GET', '/items/ledger/1234?fields=amount');
		expect(String(repaired['amount'])).toMatch(/^1234\.1234567891/);
		await expect(pair.destination.api('GET', '/items/ledger/5000')).rejects.toThrow();
	});

	// Directus reads a bigInteger past 2^53 as a double on SQLite, but stores and filters it exactly:
	// the migration reads the source's column as text and confirms the destination's with an exact query.
	it('upsert and verify see a bigInteger change past double precision', async () => {
		const storedBig = () => selectAsText(pair.destination, 'select cast(big as text) from ledger where id = 10')[0]![0];
		await pair.source.api('PATCH', '/items/ledger/10', { big: '9007199254740993' });
		const first = await run('migration-migrate-tables', { collections: ['ledger'], includeFiles: false, verify: true });
		expect(first.resolved, JSON.stringify(first.last).slice(0, 2000)).toBe(true);
		expect(first.last.collections.ledger).toMatchObject({ updated: 1 });
		expect(first.last.verify.inSync).toBe(true);
		expect(storedBig()).toBe('9007199254740993');

		await pair.destination.api('PATCH', '/items/ledger/10', { big: '9007199254740992' });
		const result = await verify();
		expect(result.resolved).toBe(false);
		expect(result.last.collections.ledger).toMatchObject({ differing: 1, differingRows: [{ key: 10, fields: ['big'] }] });

		const again = await run('migration-migrate-tables', { collections: ['ledger'], includeFiles: false, verify: true });
		expect(again.resolved, JSON.stringify(again.last).slice(0, 2000)).toBe(true);
		expect(again.last.collections.ledger).toMatchObject({ updated: 1 });
		expect(storedBig()).toBe('9007199254740993');
		const rerun = await run('migration-migrate-tables', { collections: ['ledger'], includeFiles: false });
		expect(rerun.last.collections.ledger).toMatchObject({ updated: 0 });
	});

	it('upsert and verify see a decimal change past double precision', async (context) => {
		if (DEFAULT_VENDOR === 'sqlite') context.skip('SQLite stores a decimal as a double: the digits past double precision are lost in the source database itself');
		await pair.source.api('PATCH', '/items/ledger/10', { amount: '12345678901234567890.1234567891' });
		const first = await run('migration-migrate-tables', { collections: ['ledger'], includeFiles: false, verify: true });
		expect(first.resolved, JSON.stringify(first.last).slice(0, 2000)).toBe(true);
		expect(first.last.verify.inSync).toBe(true);

		await pair.destination.api('PATCH', '/items/ledger/10', { amount: '12345678901234567890.1234567892' });
		const result = await verify();
		expect(result.last.collections.ledger).toMatchObject({ differing: 1, differingRows: [{ key: 10, fields: ['amount'] }] });

		const again = await run('migration-migrate-tables', { collections: ['ledger'], includeFiles: false, verify: true });
		expect(again.resolved, JSON.stringify(again.last).slice(0, 2000)).toBe(true);
		const stored = await pair.destination.api<Record<string, unknown>>('GET', '/items/ledger/10?fields=amount');
		expect(stored).toEqual({ amount: '12345678901234567890.1234567891' });
	});

	it('with includeFiles, reports a file whose bytes differ at equal size', async () => {
		await uploadBinary(pair.destination, 'blob', Buffer.alloc(4096, 9), binaryFile);
		const size = await pair.destination.api<{ filesize: number | string }>('GET', `/files/${binaryFile}?fields=filesize`);
		expect(Number(size.filesize)).toBe(4096);

		const withoutFiles = await verify();
		expect(withoutFiles.resolved).toBe(true);
		const result = await verify({ includeFiles: true });
		expect(result.resolved).toBe(false);
		expect(result.last).toMatchObject({ code: 'OUT_OF_SYNC', files: { checked: 2, differing: 1, differingFiles: [{ id: binaryFile, fields: ['bytes'] }] } });
	});
});
