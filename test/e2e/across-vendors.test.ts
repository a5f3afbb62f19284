/**
 * Across database vendors, on purpose (`force`): a SQLite source to a PostgreSQL destination (the
 * SQLite run), a PostgreSQL source to a MariaDB destination (the MariaDB run). The schema lands whole,
 * the content and files land, and verify resolves in sync: values compared by meaning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differences } from '../harness/compare.ts';
import { createFidelitySchema, FIDELITY_COLLECTIONS, MASKED_FIELDS, seedFidelity, VALUE_ROWS } from '../harness/fidelity-fixtures.ts';
import { withFlow, type FlowRun } from '../harness/flows.ts';
import { DEFAULT_VENDOR, type Vendor } from '../harness/instance.ts';
import { mariadbUnavailable } from '../harness/mariadb.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { createCollection, stringField, stringKey } from '../harness/schema-fixtures.ts';
import { postgresUnavailable } from '../harness/postgres.ts';

const BATCH_SIZE = 250;
const brief = (run: FlowRun) => JSON.stringify(run.last).slice(0, 4000);

/**
 * Why a direction cannot run here: a vendor missing. That fails the direction's tests, unless the run
 * was told to skip that vendor (E2E_POSTGRES=skip, E2E_MARIADB=skip): then they are skipped, saying so.
 */
function missingVendor(vendors: Vendor[]): { reason: string; skip: boolean } | undefined {
	for (const vendor of vendors) {
		if (vendor === 'sqlite') continue;
		const variable = vendor === 'postgres' ? 'E2E_POSTGRES' : 'E2E_MARIADB';
		if (process.env[variable] === 'skip') return { reason: `needs ${vendor} (${variable}=skip)`, skip: true };
		const missing = vendor === 'postgres' ? postgresUnavailable() : mariadbUnavailable();
		if (missing) return { reason: `${missing}: run scripts/install-${vendor}.sh, or set ${variable}=skip`, skip: false };
	}
	return undefined;
}

const fieldOf = (entry: { collection: string; field: string }) => `${entry.collection}.${entry.field}`;

/** Each direction runs once, in the run of its `home` vendor; `converted`: the fields a forced sync converts. */
const DIRECTIONS: { source: Vendor; destination: Vendor; home: Vendor; converted: string[] }[] = [
	{ source: 'sqlite', destination: 'postgres', home: 'sqlite', converted: ['fidelity_values.amount'] },
	{ source: 'postgres', destination: 'mariadb', home: 'mariadb', converted: [] },
];

for (const direction of DIRECTIONS) {
	describe(`${direction.source} source → ${direction.destination} destination, with force`, () => {
		let pair: Pair;
		let blockFileIds: string[];
		const home = DEFAULT_VENDOR === direction.home;
		const missing = home ? missingVendor([direction.source, direction.destination]) : undefined;
		const runs = home && !missing?.skip;
		const flow = (type: string, options: Record<string, unknown>) => withFlow(pair.source, [{ key: 'step', type, options }], (run) => run.trigger());

		beforeAll(async () => {
			if (!runs) return;
			if (missing) throw new Error(missing.reason);
			pair = await startPair({ vendor: direction.source, destinationVendor: direction.destination });
			const schema = await createFidelitySchema(pair.source);
			({ blockFileIds } = await seedFidelity(pair.source, schema));
		});
		afterAll(async () => {
			await pair?.stop();
		});

		it('migration-check still reports VENDOR_MISMATCH, and with force says it was accepted', async (context) => {
			if (!runs) context.skip(missing?.reason ?? `runs once, in the ${direction.home} run`);
			const refused = await flow('migration-check', {});
			expect(refused.resolved).toBe(false);
			expect(refused.last.reasons.map((reason: { code: string }) => reason.code)).toEqual(['VENDOR_MISMATCH']);
			const forced = await flow('migration-check', { force: true });
			expect(forced.resolved, brief(forced)).toBe(true);
			expect(forced.last).toMatchObject({ forced: true, reasons: [{ code: 'VENDOR_MISMATCH' }] });
			expect(forced.last.conversions.map(fieldOf), brief(forced)).toEqual(direction.converted);
		});

		it('the schema lands whole, and a second sync finds nothing to do', async (context) => {
			if (!runs) context.skip(missing?.reason ?? `runs once, in the ${direction.home} run`);
			const refused = await flow('migration-schema-sync', { dryRun: false });
			expect(refused.resolved, brief(refused)).toBe(false);
			const sync = await flow('migration-schema-sync', { force: true, dryRun: false });
			expect(sync.resolved, brief(sync)).toBe(true);
			const again = await flow('migration-schema-sync', { force: true, dryRun: true });
			expect(sync.last).toMatchObject({ applied: true, counts: { collections: { create: FIDELITY_COLLECTIONS.length } } });
			expect(sync.last.conversions.map(fieldOf), brief(sync)).toEqual(direction.converted);
			expect(sync.last.remaining, brief(sync)).toEqual({
				collections: { create: 0, update: 0, delete: 0 },
				fields: { create: 0, update: 0, delete: 0 },
				relations: { create: 0, update: 0, delete: 0 },
				systemFields: 0,
			});
			expect(again.last.inSync, brief(again)).toBe(true);
		});

		it('the content and files land, and verify resolves in sync', async (context) => {
			if (!runs) context.skip(missing?.reason ?? `runs once, in the ${direction.home} run`);
			const migrate = await flow('migration-migrate-tables', { batchSize: BATCH_SIZE });
			expect(migrate.resolved, brief(migrate)).toBe(true);
			expect(migrate.last.collections['fidelity_values'], brief(migrate)).toMatchObject({ created: VALUE_ROWS, failed: 0 });
			expect(migrate.last.files, brief(migrate)).toMatchObject({ transferred: blockFileIds.length, failed: 0 });
			const verify = await flow('migration-verify', { batchSize: BATCH_SIZE });
			expect(verify.resolved, brief(verify)).toBe(true);
			expect(verify.last.inSync).toBe(true);
			const again = await flow('migration-migrate-tables', { batchSize: BATCH_SIZE });
			for (const collection of FIDELITY_COLLECTIONS) {
				const tally = again.last.collections[collection] ?? {};
				expect({ collection, created: tally.created, updated: tally.updated }, brief(again)).toEqual({ collection, created: 0, updated: 0 });
			}
			// Values as each Directus serves them: the same where both vendors spell them alike.
			for (const collection of FIDELITY_COLLECTIONS.filter((name) => name !== 'fidelity_values')) {
				const ignore = collection === MASKED_FIELDS.collection ? [MASKED_FIELDS.hash, MASKED_FIELDS.conceal] : [];
				expect(await differences(pair.source, pair.destination, collection, { ignore }), collection).toEqual([]);
			}
		});

		it('string keys that differ only in case collide on a case-insensitive destination, and the run names the refused row', async (context) => {
			if (!runs) context.skip(missing?.reason ?? `runs once, in the ${direction.home} run`);
			if (direction.destination !== 'mariadb') context.skip('only a MySQL/MariaDB destination compares keys without case');
			await createCollection(pair.source, 'vendor_codes', [stringKey('code'), stringField('label')]);
			await pair.source.api('POST', '/items/vendor_codes', [
				{ code: 'abc', label: 'lower' },
				{ code: 'ABC', label: 'upper' },
				{ code: 'xyz', label: 'other' },
			]);
			expect((await flow('migration-schema-sync', { force: true, dryRun: false, collections: ['vendor_codes'] })).resolved).toBe(true);
			const migrate = await flow('migration-migrate-tables', { collections: ['vendor_codes'] });
			expect(migrate.resolved, brief(migrate)).toBe(false);
			expect(migrate.last, brief(migrate)).toMatchObject({ code: 'ITEMS_FAILED', collections: { vendor_codes: { created: 2, failed: 1 } } });
			expect(migrate.last.failures.items, brief(migrate)).toEqual([expect.objectContaining({ collection: 'vendor_codes' })]);
			const verify = await flow('migration-verify', { collections: ['vendor_codes'] });
			expect(verify.resolved, brief(verify)).toBe(false);
			expect(verify.last, brief(verify)).toMatchObject({ code: 'OUT_OF_SYNC', collections: { vendor_codes: { missing: 1 } } });
		});
	});
}
