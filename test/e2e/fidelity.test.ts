/**
 * "ok means equal": after a schema sync and a content migration that resolve, every collection of the
 * fidelity fixture is equal on the destination, value by value and in the database's own text
 * (9007199254740993 is not 9007199254740992), except the masked fields the report names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differences } from '../harness/compare.ts';
import {
	BIG_START,
	createFidelitySchema,
	FIDELITY_COLLECTIONS,
	MASKED_FIELDS,
	seedFidelity,
	VALUE_ROWS,
	type FidelitySchema,
} from '../harness/fidelity-fixtures.ts';
import { withFlow, type FlowRun } from '../harness/flows.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { selectAsText } from '../harness/raw-sql.ts';

/** Smaller than the row count, so reading, diffing and writing all take several batches. */
const BATCH_SIZE = 100;

let pair: Pair;
let schema: FidelitySchema;
let blockFileIds: string[];
let firstRun: FlowRun;

const migrate = (options: Record<string, unknown> = {}): Promise<FlowRun> =>
	withFlow(pair.source, [{ key: 'migrate', type: 'migration-migrate-tables', options: { batchSize: BATCH_SIZE, ...options } }], (flow) => flow.trigger());
const brief = (run: FlowRun) => JSON.stringify(run.last).slice(0, 3000);

/** id, amount and big of every value row, as the database stores them (text: no double in between), by numeric id. */
const EXACT_NUMBERS = `select cast(id as text), coalesce(cast(amount as text), 'NULL'), coalesce(cast(big as text), 'NULL') from fidelity_values order by fidelity_values.id`;
const exactNumbers = (instance: Pair['source']) => selectAsText(instance, EXACT_NUMBERS).map((row) => row.join('|'));

beforeAll(async () => {
	pair = await startPair();
	schema = await createFidelitySchema(pair.source);
	({ blockFileIds } = await seedFidelity(pair.source, schema));
	const sync = await withFlow(pair.source, [{ key: 'schema', type: 'migration-schema-sync', options: { dryRun: false } }], (flow) => flow.trigger());
	expect(sync.resolved, JSON.stringify(sync.last).slice(0, 3000)).toBe(true);
});
afterAll(async () => {
	await pair?.stop();
});

describe('fidelity: every type and shape arrives exactly', () => {
	it('the source holds the values past double precision that the fixture wrote (the test can see a loss)', () => {
		const rows = exactNumbers(pair.source).map((row) => row.split('|'));
		expect(rows).toHaveLength(VALUE_ROWS);
		expect(rows[0]![2]).toBe(String(BIG_START));
		expect(rows[0]![2]).not.toBe('9007199254740992');
	});

	it('the dry-run plan breaks the 3-cycle with one deferred link, and never defers the NOT NULL link', async () => {
		const run = await migrate({ dryRun: true });
		expect(run.resolved, brief(run)).toBe(true);
		const deferred: Record<string, string[]> = run.last.plan.deferred;
		const inThreeCycle = ['fidelity_a', 'fidelity_b', 'fidelity_c'].flatMap((collection) => (deferred[collection] ?? []).map((field) => `${collection}.${field}`));
		expect(inThreeCycle, JSON.stringify(deferred)).toHaveLength(1);
		expect(deferred['fidelity_owners'] ?? [], JSON.stringify(deferred)).not.toContain('favourite_pet');
		expect(deferred['fidelity_pets'] ?? [], JSON.stringify(deferred)).toEqual(['owner']);
	});

	it(`migrates ${VALUE_ROWS} rows in batches of ${BATCH_SIZE}, every collection, and resolves`, async () => {
		firstRun = await migrate();
		expect(firstRun.resolved, brief(firstRun)).toBe(true);
		expect(firstRun.last.collections['fidelity_values'], brief(firstRun)).toMatchObject({ created: VALUE_ROWS, failed: 0 });
		for (const collection of FIDELITY_COLLECTIONS) {
			expect(firstRun.last.collections[collection], `${collection}: ${brief(firstRun)}`).toMatchObject({ failed: 0 });
		}
		expect(firstRun.last.collections['fidelity_owners'], brief(firstRun)).toMatchObject({ created: 2, failed: 0 });
		expect(firstRun.last.files, brief(firstRun)).toMatchObject({ transferred: blockFileIds.length, failed: 0 });
	});

	it('names the conceal field it could not read in the report (the hash field travels as its stored hash through the receiver)', () => {
		expect(firstRun?.last?.writePath).toBe('receiver');
		const warnings = JSON.stringify(firstRun?.last?.warnings ?? []);
		expect(warnings).toContain(MASKED_FIELDS.collection);
		expect(warnings).not.toContain(`"field":"${MASKED_FIELDS.hash}"`);
		expect(warnings).toContain(MASKED_FIELDS.conceal);
	});

	it.each(FIDELITY_COLLECTIONS)('%s is equal on the destination, value by value (arrays in their order)', async (collection) => {
		const ignore = collection === MASKED_FIELDS.collection ? [MASKED_FIELDS.conceal] : [];
		expect(await differences(pair.source, pair.destination, collection, { ignore })).toEqual([]);
	});

	it('stores wide decimals and big integers exactly, as the source database holds them', () => {
		const source = exactNumbers(pair.source);
		const destination = exactNumbers(pair.destination);
		const firstDifference = source.findIndex((row, index) => row !== destination[index]);
		expect(firstDifference === -1 ? 'equal' : `source ${source[firstDifference]} ≠ destination ${destination[firstDifference]}`).toBe('equal');
		expect(destination).toHaveLength(VALUE_ROWS);
	});

	it('brings the files the M2A blocks hold, with their bytes', async () => {
		for (const id of blockFileIds) {
			const bytes = async (instance: Pair['source']) =>
				Buffer.from(await (await fetch(`${instance.url}/assets/${id}`, { headers: { Authorization: `Bearer ${instance.token}` } })).arrayBuffer());
			expect((await bytes(pair.destination)).equals(await bytes(pair.source)), id).toBe(true);
		}
		const page = await pair.destination.api<any>('GET', '/items/fidelity_pages/1?fields=blocks.sort,blocks.collection,blocks.item:fidelity_block_image.image,blocks.item:fidelity_block_quote.portrait');
		expect(page.blocks.map((block: any) => block.item?.image ?? block.item?.portrait)).toEqual([blockFileIds[2], blockFileIds[1], blockFileIds[0]]);
	});

	it('carries geometry exactly where the vendor stores it', async (context) => {
		if (!schema.geometry) context.skip(`this ${pair.source.vendor} Directus refuses geometry fields (SQLite needs SpatiaLite, PostgreSQL needs PostGIS): ${schema.geometryRefusal}`);
		expect(await differences(pair.source, pair.destination, 'fidelity_values')).toEqual([]);
	});

	it('a second run of the same migration writes nothing', async () => {
		const run = await migrate();
		for (const collection of FIDELITY_COLLECTIONS) {
			const tally = run.last.collections[collection] ?? {};
			expect({ collection, created: tally.created, updated: tally.updated }, brief(run)).toEqual({ collection, created: 0, updated: 0 });
		}
		expect(run.last.files).toMatchObject({ transferred: 0, updated: 0 });
		expect(run.resolved, brief(run)).toBe(true);
	});
	it('a change only past double precision, or a null removed from a JSON object, is written by the next run', async () => {
		const row = await pair.source.api<any>('GET', '/items/fidelity_values/2?fields=id,doc');
		const [, amount, big] = exactNumbers(pair.source)[1]!.split('|') as [string, string, string];
		// The neighbour that a double cannot tell apart from the stored value.
		const nextBig = [BigInt(big) + 1n, BigInt(big) - 1n].map(String).find((candidate) => Number(candidate) === Number(big))!;
		const nextAmount = amount.replace(/\d$/, (digit) => String((Number(digit) + 1) % 10));
		const { a: _removed, ...docWithoutNull } = row.doc;
		await pair.source.api('PATCH', '/items/fidelity_values/2', { big: nextBig, amount: nextAmount, doc: docWithoutNull });

		const run = await migrate({ collections: ['fidelity_values'] });
		expect(run.resolved, brief(run)).toBe(true);
		expect(run.last.collections['fidelity_values'], brief(run)).toMatchObject({ updated: 1, unchanged: VALUE_ROWS - 1 });
		expect(exactNumbers(pair.destination)[1]).toBe(exactNumbers(pair.source)[1]);
		expect(await differences(pair.source, pair.destination, 'fidelity_values')).toEqual([]);
	});
});
