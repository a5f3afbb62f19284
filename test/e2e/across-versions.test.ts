/**
 * Across Directus versions, on purpose (`force`): a source on 12 with a destination on 11, and back,
 * both on SQLite. Runs once, in the SQLite run of Directus 12 (it starts an 11.17.4 next to it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFidelitySchema, FIDELITY_COLLECTIONS, seedFidelity, VALUE_ROWS } from '../harness/fidelity-fixtures.ts';
import { withFlow, type FlowRun } from '../harness/flows.ts';
import { DEFAULT_VENDOR } from '../harness/instance.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { DIRECTUS_11_VERSION, DIRECTUS_VERSION, MAIN_DIRECTUS_VERSION } from '../harness/paths.ts';

const brief = (run: FlowRun) => JSON.stringify(run.last).slice(0, 3000);
const home = DEFAULT_VENDOR === 'sqlite' && DIRECTUS_VERSION === MAIN_DIRECTUS_VERSION;

for (const [sourceVersion, destinationVersion] of [
	[MAIN_DIRECTUS_VERSION, DIRECTUS_11_VERSION],
	[DIRECTUS_11_VERSION, MAIN_DIRECTUS_VERSION],
] as const) {
	describe(`a Directus ${sourceVersion} source → a Directus ${destinationVersion} destination, with force`, () => {
		let pair: Pair;
		const flow = (type: string, options: Record<string, unknown>) => withFlow(pair.source, [{ key: 'step', type, options }], (run) => run.trigger());

		beforeAll(async () => {
			if (!home) return;
			pair = await startPair({ vendor: 'sqlite', sourceVersion, destinationVersion });
			await seedFidelity(pair.source, await createFidelitySchema(pair.source));
		});
		afterAll(async () => {
			await pair?.stop();
		});

		it('migration-check reports VERSION_MISMATCH, and force accepts it', async (context) => {
			if (!home) context.skip('runs once, in the SQLite run of Directus 12');
			const refused = await flow('migration-check', {});
			expect(refused.resolved).toBe(false);
			expect(refused.last).toMatchObject({ code: 'INCOMPATIBLE', source: { version: sourceVersion }, destination: { version: destinationVersion } });
			expect(refused.last.reasons.map((reason: { code: string }) => reason.code)).toEqual(['VERSION_MISMATCH']);
			const forced = await flow('migration-check', { force: true });
			expect(forced.resolved, brief(forced)).toBe(true);
			expect(forced.last).toMatchObject({ forced: true, conversions: [] });
		});

		it(
			sourceVersion === MAIN_DIRECTUS_VERSION
				? 'Directus 11 refuses a Directus 12 schema whole: nothing is applied, and the run rejects'
				: 'the schema, content and files land, and verify resolves in sync',
			async (context) => {
				if (!home) context.skip('runs once, in the SQLite run of Directus 12');
				const sync = await flow('migration-schema-sync', { force: true, dryRun: false });
				if (sourceVersion === MAIN_DIRECTUS_VERSION) {
					// Directus 11 cannot read a 12 snapshot's diff (its apply fails with a 500) and rolls it back.
					expect(sync.resolved, brief(sync)).toBe(false);
					expect(sync.last).toMatchObject({ code: 'DESTINATION_ERROR', status: 500 });
					const collections: { collection: string }[] = await pair.destination.api('GET', '/collections');
					expect(collections.map((entry) => entry.collection).filter((name) => name.startsWith('fidelity_'))).toEqual([]);
					return;
				}
				expect(sync.resolved, brief(sync)).toBe(true);
				const migrate = await flow('migration-migrate-tables', { batchSize: 250 });
				expect(migrate.resolved, brief(migrate)).toBe(true);
				expect(migrate.last.collections['fidelity_values'], brief(migrate)).toMatchObject({ created: VALUE_ROWS, failed: 0 });
				for (const collection of FIDELITY_COLLECTIONS) expect(migrate.last.collections[collection], collection).toMatchObject({ failed: 0 });
				const verify = await flow('migration-verify', { batchSize: 250 });
				expect(verify.resolved, brief(verify)).toBe(true);
			},
		);
	});
}
