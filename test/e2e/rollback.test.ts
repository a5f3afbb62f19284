import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlow, withFlow, type FlowRun } from '../harness/flows.ts';
import type { DirectusInstance } from '../harness/instance.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { createCollection, integerKey, stringField } from '../harness/schema-fixtures.ts';

/**
 * migration-rollback beyond a content run that ended: a run whose Directus dies half-way (its journal
 * is written ahead into the source's database, so what it wrote is known).
 */
const SILENCE_SECONDS = 15;
let pair: Pair;

interface RunRecord {
	id: number;
	operation: string;
	outcome: string;
	journal: { file: string | null; entries: number } | null;
	rolledBackBy: number | null;
}

const runs = () => pair.source.api<RunRecord[]>('GET', '/migration-runs?limit=100');
const runRecord = (id: number) => pair.source.api<RunRecord>('GET', `/migration-runs/${id}`);
const flowRun = (type: string, options: Record<string, unknown>): Promise<FlowRun> => withFlow(pair.source, [{ key: 'step', type, options }], (flow) => flow.trigger());

const count = async (instance: DirectusInstance, collection: string) =>
	Number((await instance.api<{ count: number | string }[]>('GET', `/items/${collection}?aggregate[count]=*`))[0]!.count);
const rowsOf = (instance: DirectusInstance, collection: string) => instance.api<{ id: number; name: string }[]>('GET', `/items/${collection}?fields=id,name&sort=id&limit=-1`);

async function addRows(collection: string, from: number, rows: number): Promise<void> {
	for (let start = from; start < from + rows; start += 500) {
		const size = Math.min(500, from + rows - start);
		await pair.source.api('POST', `/items/${collection}?fields=id`, Array.from({ length: size }, (_, index) => ({ id: start + index, name: `Row ${start + index}` })));
	}
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 90): Promise<T> {
	const deadline = Date.now() + seconds * 1000;
	while (Date.now() < deadline) {
		const found = await probe();
		if (found !== undefined) return found;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`${what}: not within ${seconds} s`);
}

beforeAll(async () => {
	pair = await startPair({ sourceEnv: { MIGRATION_RUN_SILENCE_SECONDS: String(SILENCE_SECONDS) } });
	await createCollection(pair.source, 'things', [integerKey, stringField('name')]);
	const schema = await flowRun('migration-schema-sync', { dryRun: false, collections: ['things'] });
	expect(schema.resolved, JSON.stringify(schema.last).slice(0, 1500)).toBe(true);
});
afterAll(async () => {
	await pair?.stop();
});

describe('migration-rollback of a run whose Directus died', () => {
	it('a run killed half-way is undone from the journal it wrote ahead: the destination is as it was before the run', async () => {
		await addRows('things', 1, 600);
		const first = await flowRun('migration-migrate-tables', { collections: ['things'] });
		expect(first.resolved, JSON.stringify(first.last).slice(0, 1500)).toBe(true);
		// The killed run updates the first 100 rows and creates 1,400; it is killed once it has done the updates and some creates.
		await pair.source.api('PATCH', '/items/things', { keys: Array.from({ length: 100 }, (_, index) => index + 1), data: { name: 'Renamed' } });
		await addRows('things', 601, 1400);
		const before = await rowsOf(pair.destination, 'things');
		expect(before).toHaveLength(600);

		const flow = await createFlow(pair.source, [{ key: 'migrate', type: 'migration-migrate-tables', options: { collections: ['things'], batchSize: 50, requestsPerSecond: 8, leaseSeconds: 8 } }]);
		const killed = flow.trigger().catch((error: Error) => error);
		const renamed = async () => (await rowsOf(pair.destination, 'things')).filter((row) => row.name === 'Renamed').length;
		await until('the run updated and created rows', async () => ((await count(pair.destination, 'things')) > 700 && (await renamed()) === 100 ? true : undefined));
		await pair.source.crash();
		expect(await killed).toBeInstanceOf(Error);
		const halfWay = await count(pair.destination, 'things');
		expect(halfWay).toBeLessThan(2000);
		expect(await renamed()).toBe(100);

		await pair.source.startProcess();
		await flow.remove();
		const dead = (await runs()).find((record) => record.operation === 'migration-migrate-tables')!;
		expect(dead.id).toBeGreaterThan(first.last.runId);
		// Its record never finished: it still points at the journal in the database.
		expect(dead.journal).toMatchObject({ file: null });
		// Still within MIGRATION_RUN_SILENCE_SECONDS of its last sign of life it counts as running: not undone.
		if (dead.outcome === 'running') {
			const early = await flowRun('migration-rollback', { run: dead.id });
			expect(early.resolved).toBe(false);
			expect(early.last).toMatchObject({ code: 'INVALID_OPTIONS' });
		}
		await until('the run is interrupted', async () => ((await runRecord(dead.id)).outcome === 'interrupted' ? true : undefined));

		const dry = await flowRun('migration-rollback', {});
		expect(dry.resolved, JSON.stringify(dry.last).slice(0, 1500)).toBe(true);
		expect(dry.last).toMatchObject({ dryRun: true, rolledBack: { runId: dead.id, outcome: 'interrupted' } });
		expect(dry.last.collections.things).toMatchObject({ restored: 100, deleted: halfWay - 600, conflicts: 0, failed: 0 });

		const undone = await flowRun('migration-rollback', { dryRun: false });
		expect(undone.resolved, JSON.stringify(undone.last).slice(0, 1500)).toBe(true);
		expect(undone.last).toMatchObject({ ok: true, rolledBack: { runId: dead.id } });
		expect(await rowsOf(pair.destination, 'things')).toEqual(before);
		expect(await runRecord(dead.id)).toMatchObject({ outcome: 'interrupted', rolledBackBy: undone.last.runId });
	});
});

/** The destination's user collections and fields, as `collection` and `collection.field`. */
async function schemaNames(instance: DirectusInstance): Promise<string[]> {
	const fields = await instance.api<{ collection: string; field: string }[]>('GET', '/fields');
	const own = fields.filter((entry) => !entry.collection.startsWith('directus_'));
	return [...new Set([...own.map((entry) => entry.collection), ...own.map((entry) => `${entry.collection}.${entry.field}`)])].sort();
}

describe('migration-rollback of a schema run', () => {
	it('undoes what migration-schema-sync applied where the destination still holds it; the dry run says a created collection goes with its data; a field changed since is a conflict until force', async () => {
		await createCollection(pair.source, 'gadgets', [integerKey, stringField('name')]);
		await pair.source.api('POST', '/fields/things', stringField('colour'));
		await pair.source.api('POST', '/fields/things', stringField('size'));
		const before = await schemaNames(pair.destination);
		const applied = await flowRun('migration-schema-sync', { dryRun: false });
		expect(applied.resolved, JSON.stringify(applied.last).slice(0, 1500)).toBe(true);
		expect(await schemaNames(pair.destination)).toEqual(expect.arrayContaining(['gadgets', 'things.colour', 'things.size']));
		expect(await runRecord(applied.last.runId)).toMatchObject({ journal: { file: expect.any(String) } });
		await pair.destination.api('POST', '/items/gadgets', { name: 'Made on the destination' });
		await pair.destination.api('PATCH', '/fields/things/size', { meta: { note: 'Edited on the destination' } });

		const dry = await flowRun('migration-rollback', {});
		expect(dry.resolved, JSON.stringify(dry.last).slice(0, 1500)).toBe(true);
		expect(dry.last).toMatchObject({ dryRun: true, rolledBack: { runId: applied.last.runId, operation: 'migration-schema-sync' } });
		expect(dry.last.schema.dropsData.sort()).toEqual(['gadgets', 'things.colour']);
		expect(dry.last.schema.conflicts).toEqual([{ change: 'things.size', reason: expect.any(String) }]);
		expect(dry.last.warnings.map((warning: { code: string }) => warning.code)).toContain('ROLLBACK_DROPS_DATA');
		expect(await schemaNames(pair.destination)).toEqual(expect.arrayContaining(['gadgets', 'things.colour']));

		const undone = await flowRun('migration-rollback', { dryRun: false });
		expect(undone.resolved).toBe(false);
		expect(undone.last).toMatchObject({ code: 'ROLLBACK_CONFLICT', schema: { conflicts: [{ change: 'things.size' }] } });
		const left = await schemaNames(pair.destination);
		expect(left).not.toContain('gadgets');
		expect(left).not.toContain('things.colour');
		expect(left).toContain('things.size');
		expect(await runRecord(applied.last.runId)).toMatchObject({ rolledBackBy: null });

		const forced = await flowRun('migration-rollback', { dryRun: false, force: true });
		expect(forced.resolved, JSON.stringify(forced.last).slice(0, 1500)).toBe(true);
		expect(forced.last).toMatchObject({ ok: true, forced: 1, rolledBack: { runId: applied.last.runId } });
		expect(await schemaNames(pair.destination)).toEqual(before);
		expect((await runRecord(applied.last.runId)).rolledBackBy).toBe(forced.last.runId);
	});
});
