/**
 * A re-run through the receiver compares rows "as stored" when both instances run the same database
 * vendor (SQLite, PostgreSQL): each side reads its rows straight from its table and checksums their
 * exact stored values, in chunks of 5,000 rows. Equal stored values are skipped; a value changed in
 * any column is found, past double precision too; a value stored in another spelling that Directus
 * shows alike is compared again through the items service and left as it is. On MariaDB, and
 * between vendors, rows are compared through the items service, as before.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differences } from '../harness/compare.ts';
import { field, fidelityValue, VALUE_FIELDS } from '../harness/fidelity-fixtures.ts';
import { withFlow, type FlowRun } from '../harness/flows.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { runSql, selectAsText } from '../harness/raw-sql.ts';
import { createCollection } from '../harness/schema-fixtures.ts';

/** More rows than one stored chunk (5,000), so the walk and its requests take two chunks. */
const ROWS = 5_200;
const STORED_CHUNK = 5_000;
const RECEIVER_MEDIA_TYPE = 'application/x-directus-migration';

let pair: Pair;
const migrate = (): Promise<FlowRun> => withFlow(pair.source, [{ key: 'migrate', type: 'migration-migrate-tables', options: { collections: ['stored_values'] } }], (flow) => flow.trigger());
const brief = (run: FlowRun) => JSON.stringify(run.last).slice(0, 2000);
const storedCompare = () => pair.source.vendor !== 'mariadb';
/** The destination's log lines since `start` whose URL begins with `url`. */
const requestsSince = (start: number, url: string) =>
	readFileSync(pair.destination.logFile, 'utf8')
		.slice(start)
		.split('\n')
		.filter((line) => line.includes(`"url":"${url}`));
const logLength = () => readFileSync(pair.destination.logFile, 'utf8').length;
const BIG_AS_TEXT = 'select cast(id as text), coalesce(cast(big as text), \'NULL\') from stored_values order by stored_values.id';

beforeAll(async () => {
	pair = await startPair();
	await createCollection(pair.source, 'stored_values', [...VALUE_FIELDS, field('ratio', 'float'), field('note', 'text')]);
	for (let start = 0; start < ROWS; start += 400) {
		const rows = Array.from({ length: Math.min(400, ROWS - start) }, (_, offset) => {
			const index = start + offset;
			return { ...fidelityValue(index, false), ratio: index % 50 === 49 ? null : index / 7, note: index % 50 === 49 ? null : `Note, "quoted" ${index}` };
		});
		await pair.source.api('POST', '/items/stored_values', rows);
	}
	const sync = await withFlow(pair.source, [{ key: 'schema', type: 'migration-schema-sync', options: { dryRun: false } }], (flow) => flow.trigger());
	expect(sync.resolved, JSON.stringify(sync.last).slice(0, 2000)).toBe(true);
	const first = await migrate();
	expect(first.resolved, brief(first)).toBe(true);
	expect(first.last.collections.stored_values).toMatchObject({ created: ROWS, failed: 0 });
});
afterAll(async () => {
	await pair?.stop();
});

describe('comparing rows as stored', () => {
	it('a re-run with nothing changed compares every row in chunks of 5,000 (as stored on the same vendor), reads no destination row and writes nothing', async () => {
		const start = logLength();
		const run = await migrate();
		expect(run.resolved, brief(run)).toBe(true);
		expect(run.last.collections.stored_values).toMatchObject({ created: 0, updated: 0, unchanged: ROWS, failed: 0 });
		const checksums = requestsSince(start, '/migration-receiver/checksums/stored_values');
		// Through the items service a chunk is 1,000 rows: 6 requests; as stored, 2.
		expect(checksums).toHaveLength(storedCompare() ? Math.ceil(ROWS / STORED_CHUNK) : Math.ceil(ROWS / 1000));
		expect(requestsSince(start, '/items/stored_values')).toEqual([]);
	});

	it('a value changed in the destination\'s table behind Directus\'s back is found and written back, in every column, one past double precision', async () => {
		// Each of these rows gets one column from row 2 (whose values differ from theirs, none null), across both
		// chunks; one row's flag is flipped, and one row's `big` moves by one, which a double cannot tell.
		const copied = ['amount', 'ratio', 'day', 'clock', 'moment', 'stamp', 'doc', 'labels', 'ref', 'note'];
		const tampered = copied.map((column, index) => ({ column, id: 3 + index * 517 }));
		for (const { column, id } of tampered) {
			runSql(pair.destination, `update stored_values set ${column} = (select copy.${column} from (select ${column} from stored_values where id = 2) as copy) where id = ?`, [id]);
		}
		runSql(pair.destination, 'update stored_values set flag = not flag where id = ?', [5_151]);
		runSql(pair.destination, 'update stored_values set big = big + 1 where id = ?', [ROWS - 1]);
		expect(selectAsText(pair.destination, BIG_AS_TEXT)).not.toEqual(selectAsText(pair.source, BIG_AS_TEXT));
		// As Directus reads them (SQLite keeps a 30-digit decimal as a double: there the amounts were equal already).
		const differing = new Set((await differences(pair.source, pair.destination, 'stored_values')).map((line) => line.split('.')[0]));
		expect(differing.size).toBeGreaterThanOrEqual(tampered.length + 1);

		const run = await migrate();
		expect(run.resolved, brief(run)).toBe(true);
		expect(run.last.collections.stored_values, brief(run)).toMatchObject({ created: 0, updated: differing.size, unchanged: ROWS - differing.size, failed: 0 });
		expect(selectAsText(pair.destination, BIG_AS_TEXT)).toEqual(selectAsText(pair.source, BIG_AS_TEXT));
		expect(await differences(pair.source, pair.destination, 'stored_values')).toEqual([]);
	});

	it('a value the destination stores in another spelling, equal as Directus reads it (JSON keys in another order), is compared again through the service and left as it is', async () => {
		const [doc] = selectAsText(pair.destination, 'select doc from stored_values where id = 4')[0]!;
		const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(doc!) as Record<string, unknown>).reverse()));
		runSql(pair.destination, 'update stored_values set doc = ? where id = 4', [reordered]);
		const run = await migrate();
		expect(run.resolved, brief(run)).toBe(true);
		expect(run.last.collections.stored_values, brief(run)).toMatchObject({ created: 0, updated: 0, unchanged: ROWS, failed: 0 });
		expect(await differences(pair.source, pair.destination, 'stored_values')).toEqual([]);
	});

	it('the receiver refuses rows as stored on another vendor than its own (409) and a stored chunk of more than 5,000 rows (413)', async () => {
		const call = async (body: unknown) => {
			const response = await fetch(`${pair.destination.url}/migration-receiver/checksums/stored_values`, {
				method: 'POST',
				headers: { 'Content-Type': RECEIVER_MEDIA_TYPE, Authorization: `Bearer ${pair.destination.token}` },
				body: JSON.stringify(body),
			});
			const json = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
			return { status: response.status, code: json.errors?.[0]?.extensions?.code };
		};
		const chunk = { fields: ['id', 'note'], types: { id: 'integer', note: 'text' }, checksum: 'x' };
		const other = pair.destination.vendor === 'sqlite' ? 'postgres' : 'sqlite';
		expect(await call({ ...chunk, ranges: [[1, 10]], stored: other })).toEqual({ status: 409, code: 'VENDOR_MISMATCH' });
		if (storedCompare()) {
			const own = pair.destination.vendor as 'sqlite' | 'postgres';
			expect(await call({ ...chunk, ranges: [[1, STORED_CHUNK + 1]], stored: own })).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
			expect(await call({ ...chunk, ranges: [[10, 1]], stored: own })).toEqual({ status: 400, code: 'INVALID_PAYLOAD' });
		}
	});
});
