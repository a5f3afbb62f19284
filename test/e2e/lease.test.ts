import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationClient } from '../../src/lib/destination/client.ts';
import { DestinationLease, type SkippedRun } from '../../src/lib/lease/lease.ts';
import { LEASE_KEY_PREFIX, type LeaseRecord } from '../../src/lib/lease/records.ts';
import { resolveDestination } from '../../src/lib/options/destination.ts';
import { createFlow, withFlow, type FlowRun } from '../harness/flows.ts';
import { DirectusInstance } from '../harness/instance.ts';
import { LOCAL_DESTINATION_DENY_LIST, startPair, type Pair } from '../harness/pair.ts';
import { auditFields, createCollection, integerKey, stringField } from '../harness/schema-fixtures.ts';

/**
 * The destination's lease: every writing run holds it, runs that overlap take turns (or skip, or
 * fail, as they say), a lease left by a killed Directus is taken over once it expires, and two
 * sources migrating to one destination never write at the same time. Each run is slowed down
 * (requestsPerSecond) so that runs really overlap.
 */
const ROWS = 700;
let pair: Pair;
let second: DirectusInstance;

const SLOW = { batchSize: 50, requestsPerSecond: 8 };
const migrate = (collection: string, options: Record<string, unknown> = {}) => ({
	key: 'migrate',
	type: 'migration-migrate-tables',
	options: { collections: [collection], ...SLOW, ...options },
});

async function run(instance: DirectusInstance, type: string, options: Record<string, unknown>): Promise<FlowRun> {
	return withFlow(instance, [{ key: 'step', type, options }], (flow) => flow.trigger());
}

async function leaseRows(): Promise<LeaseRecord[]> {
	const rows = await pair.destination.api<{ value: string }[]>('GET', `/translations?filter[key][_starts_with]=${LEASE_KEY_PREFIX}&fields=value&limit=-1`);
	return rows.map((row) => JSON.parse(row.value) as LeaseRecord);
}

/** How many activity rows the destination holds of directus_translations (where the lease lives). */
async function leaseActivity(): Promise<number> {
	const rows = await pair.destination.api<{ count: number | string }[]>('GET', '/activity?filter[collection][_eq]=directus_translations&aggregate[count]=*');
	return Number(rows[0]!.count);
}

/** Waits until some run holds the destination's lease. */
async function leaseTaken(): Promise<LeaseRecord> {
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		const held = (await leaseRows()).find((row) => row.releasedAt === null && Date.parse(row.expiresAt) > Date.now());
		if (held) return held;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error('no run took the lease within 60 s');
}

const count = async (instance: DirectusInstance, collection: string) =>
	Number((await instance.api<{ count: number | string }[]>('GET', `/items/${collection}?aggregate[count]=*`))[0]!.count);

async function addRows(instance: DirectusInstance, collection: string, from: number, rows: number): Promise<void> {
	for (let start = from; start < from + rows; start += 500) {
		const size = Math.min(500, from + rows - start);
		await instance.api('POST', `/items/${collection}?fields=id`, Array.from({ length: size }, (_, index) => ({ name: `${collection} ${start + index}` })));
	}
}

async function expectEqual(instance: DirectusInstance, collection: string): Promise<void> {
	const verify = await run(instance, 'migration-verify', { collections: [collection] });
	expect(verify.resolved, JSON.stringify(verify.last).slice(0, 1500)).toBe(true);
	expect(verify.last).toMatchObject({ inSync: true });
	expect(verify.last.lease).toBeUndefined();
}

beforeAll(async () => {
	pair = await startPair();
	// A second source, on its own database, feeding the same destination.
	second = await DirectusInstance.start({
		name: 'source',
		workDir: join(pair.workDir, 'second'),
		vendor: pair.source.vendor,
		extensionsPath: join(pair.workDir, 'extensions'),
		env: {
			MIGRATION_DESTINATION_URL: pair.destination.url,
			MIGRATION_DESTINATION_TOKEN: pair.destination.token,
			IMPORT_IP_DENY_LIST: LOCAL_DESTINATION_DENY_LIST,
		},
	});
	await createCollection(pair.source, 'things', [integerKey, stringField('name')]);
	await createCollection(second, 'gadgets', [integerKey, stringField('name')]);
	await addRows(pair.source, 'things', 1, ROWS);
	await addRows(second, 'gadgets', 1, ROWS);
	for (const [instance, collection] of [[pair.source, 'things'], [second, 'gadgets']] as const) {
		const schema = await run(instance, 'migration-schema-sync', { dryRun: false, collections: [collection] });
		expect(schema.resolved, JSON.stringify(schema.last).slice(0, 1500)).toBe(true);
		expect(schema.last.lease).toMatchObject({ tookOverExpired: false });
	}
});
afterAll(async () => {
	await second?.dispose();
	await pair?.stop();
});

describe('the destination lease', () => {
	it('ten runs racing for a free lease: exactly one takes it, the nine others are told who holds it', async () => {
		const client = new DestinationClient(await resolveDestination({ destinationUrl: pair.destination.url, destinationToken: pair.destination.token, retries: 5, requestsPerSecond: 0, timeoutSeconds: 60 }, { IMPORT_IP_DENY_LIST: LOCAL_DESTINATION_DENY_LIST }));
		const logger = { info: () => {}, warn: () => {} };
		const outcomes = await Promise.allSettled(
			Array.from({ length: 10 }, (_, index) => DestinationLease.take(client, { whenBusy: 'fail', waitSeconds: 0, leaseSeconds: 30 }, { operation: `racer-${index}`, source: 'test' }, logger)),
		);
		const winners = outcomes.filter((outcome): outcome is PromiseFulfilledResult<DestinationLease | SkippedRun> => outcome.status === 'fulfilled').map((outcome) => outcome.value);
		expect(winners).toHaveLength(1);
		expect(winners[0]).toBeInstanceOf(DestinationLease);
		const held = await leaseRows();
		const holder = held.find((row) => row.releasedAt === null)!;
		for (const outcome of outcomes) {
			if (outcome.status === 'rejected') expect(outcome.reason.payload).toMatchObject({ code: 'ALREADY_RUNNING', heldBy: { operation: holder.operation, since: holder.since, source: 'test' } });
		}
		await (winners[0] as DestinationLease).release();
		// Older generations are removed by each new holder: one row is left, released.
		expect((await leaseRows()).map((row) => row.releasedAt !== null)).toEqual([true]);
	});

	it('runs racing through the receiver and over REST exclude each other (one holder, one set of rows), and the receiver takes, renews and gives back the lease in one request each, with no activity row', async () => {
		const destination = await resolveDestination({ destinationUrl: pair.destination.url, destinationToken: pair.destination.token, retries: 5, requestsPerSecond: 0, timeoutSeconds: 60 }, { IMPORT_IP_DENY_LIST: LOCAL_DESTINATION_DENY_LIST });
		const clients = Array.from({ length: 8 }, (_, index) => {
			const client = new DestinationClient(destination);
			if (index % 2 === 0) client.writePath = { kind: 'receiver', trackActivity: false, emitEvents: false, database: null, fileBatches: null };
			return client;
		});
		const logger = { info: () => {}, warn: () => {} };
		const outcomes = await Promise.allSettled(
			clients.map((client, index) => DestinationLease.take(client, { whenBusy: 'fail', waitSeconds: 0, leaseSeconds: 30 }, { operation: `racer-${index}`, source: 'test' }, logger)),
		);
		const winners = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [{ lease: outcome.value as DestinationLease, index }] : []));
		expect(winners).toHaveLength(1);
		for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason.payload).toMatchObject({ code: 'ALREADY_RUNNING' });
		const holder = (await leaseRows()).find((row) => row.releasedAt === null)!;
		expect(holder.operation).toBe(`racer-${winners[0]!.index}`);

		// One holder through the receiver: take, confirm (a renewal) and release are one request each.
		await winners[0]!.lease.release();
		const client = new DestinationClient(destination);
		client.writePath = { kind: 'receiver', trackActivity: false, emitEvents: false, database: null, fileBatches: null };
		const before = client.stats.requests;
		const activityBefore = await leaseActivity();
		const lease = (await DestinationLease.take(client, { whenBusy: 'fail', waitSeconds: 0, leaseSeconds: 30 }, { operation: 'receiver-holder', source: 'test' }, logger)) as DestinationLease;
		await lease.confirm();
		await lease.release();
		expect(client.stats.requests - before).toBe(3);
		const rows = await leaseRows();
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ operation: 'receiver-holder', releasedAt: expect.any(String) });
		expect(Date.parse(rows[0]!.renewedAt)).toBeGreaterThanOrEqual(Date.parse(rows[0]!.since));
		// Over REST Directus tracks each write of the lease's rows; the receiver's steps add none.
		expect(await leaseActivity()).toBe(activityBefore);
	});

	it('two Flows started together with whenBusy fail: one migrates, the other fails ALREADY_RUNNING naming the holder', async () => {
		const flows = [await createFlow(pair.source, [migrate('things', { whenBusy: 'fail' })]), await createFlow(pair.source, [migrate('things', { whenBusy: 'fail' })])];
		try {
			const runs = await Promise.all(flows.map((flow) => flow.trigger()));
			const resolved = runs.filter((entry) => entry.resolved);
			const refused = runs.filter((entry) => !entry.resolved);
			expect(resolved, JSON.stringify(runs.map((entry) => entry.last)).slice(0, 3000)).toHaveLength(1);
			expect(refused[0]!.last).toMatchObject({
				code: 'ALREADY_RUNNING',
				heldBy: { operation: 'migration-migrate-tables', source: pair.source.url, since: expect.any(String) },
			});
			const winner = resolved[0]!.last;
			expect(winner.collections.things).toMatchObject({ created: ROWS, failed: 0 });
			expect(winner.lease).toMatchObject({ acquiredAt: expect.any(String), releasedAt: expect.any(String), waitedMs: expect.any(Number), tookOverExpired: false });
			expect(Date.parse(winner.lease.releasedAt)).toBeGreaterThan(Date.parse(winner.lease.acquiredAt));
		} finally {
			for (const flow of flows) await flow.remove();
		}
		expect(await count(pair.destination, 'things')).toBe(ROWS);
		await expectEqual(pair.source, 'things');
	});

	it('while a run holds the destination: skip resolves skipped with the holder, wait queues and goes next, every writing operation asks for the lease, a dry run takes none', async () => {
		await addRows(pair.source, 'things', ROWS + 1, 200);
		// Slow enough to hold the destination until the last run below has opened (they share its one
		// request a second; a run that opened after it ended would find the lease free and nothing to write).
		const holding = withFlow(pair.source, [migrate('things', { requestsPerSecond: 1, batchSize: 10 })], (flow) => flow.trigger());
		const holder = await leaseTaken();

		const skipped = await run(pair.source, 'migration-migrate-tables', { collections: ['things'], whenBusy: 'skip' });
		expect(skipped.resolved).toBe(true);
		expect(skipped.last).toMatchObject({
			skipped: true,
			reason: 'ALREADY_RUNNING',
			heldBy: { operation: 'migration-migrate-tables', since: holder.since, source: pair.source.url },
		});

		// Every other operation that writes asks for the lease too.
		for (const [type, options] of [
			['migration-verify', { collections: ['things'], repair: true }],
			['migration-schema-sync', { dryRun: false }],
			['migration-system', { dryRun: false, scope: ['translations'] }],
			['migration-rollback', { dryRun: false }],
		] as const) {
			const refused = await run(pair.source, type, { ...options, whenBusy: 'fail' });
			expect(refused.last, type).toMatchObject({ code: 'ALREADY_RUNNING', heldBy: { since: holder.since } });
		}

		const dryRun = await run(pair.source, 'migration-migrate-tables', { collections: ['things'], dryRun: true, whenBusy: 'fail' });
		expect(dryRun.resolved, JSON.stringify(dryRun.last).slice(0, 1500)).toBe(true);
		expect(dryRun.last.lease).toBeUndefined();
		const verifying = await run(pair.source, 'migration-verify', { collections: ['things'], whenBusy: 'fail' });
		expect(verifying.last.code ?? 'read', JSON.stringify(verifying.last).slice(0, 500)).not.toBe('ALREADY_RUNNING');

		const waited = await run(pair.source, 'migration-upsert-items', { plan: JSON.stringify(dryRun.last.plan), ...SLOW, whenBusy: 'wait' });
		const first = await holding;
		expect(first.resolved, JSON.stringify(first.last).slice(0, 1500)).toBe(true);
		expect(first.last.collections.things).toMatchObject({ created: 200, failed: 0 });
		expect(waited.resolved, JSON.stringify(waited.last).slice(0, 1500)).toBe(true);
		expect(waited.last.lease.waitedMs).toBeGreaterThan(0);
		expect(Date.parse(waited.last.lease.acquiredAt)).toBeGreaterThanOrEqual(Date.parse(first.last.lease.releasedAt) - 1000);
		// It ran after the first had written everything: nothing left for it to create.
		expect(waited.last.collections.things).toMatchObject({ created: 0, failed: 0 });
		await expectEqual(pair.source, 'things');
	});

	it('a run whose Directus is killed half-way leaves its lease; the next run takes it over after expiry and the destination ends equal', async () => {
		await addRows(pair.source, 'things', ROWS + 201, 1000);
		const before = await count(pair.destination, 'things');
		const flow = await createFlow(pair.source, [migrate('things', { leaseSeconds: 8 })]);
		const killed = flow.trigger().catch((error: Error) => error);
		const held = await leaseTaken();
		const deadline = Date.now() + 60_000;
		while ((await count(pair.destination, 'things')) <= before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
		await pair.source.crash();
		expect(await killed).toBeInstanceOf(Error);
		const halfWay = await count(pair.destination, 'things');
		expect(halfWay).toBeGreaterThan(before);
		expect(halfWay).toBeLessThan(before + 1000);
		expect((await leaseRows()).find((row) => row.run === held.run)).toMatchObject({ releasedAt: null });

		await pair.source.startProcess();
		await flow.remove();
		const next = await run(pair.source, 'migration-migrate-tables', { collections: ['things'] });
		expect(next.resolved, JSON.stringify(next.last).slice(0, 1500)).toBe(true);
		expect(next.last.lease).toMatchObject({ tookOverExpired: true, expiredHolder: { operation: 'migration-migrate-tables', since: held.since, source: pair.source.url } });
		expect(next.last.collections.things.failed).toBe(0);
		expect(await count(pair.destination, 'things')).toBe(ROWS + 1200);
		await expectEqual(pair.source, 'things');
	});

	it('two sources migrating to one destination take turns, and each ends equal', async () => {
		await addRows(pair.source, 'things', ROWS + 1201, 300);
		await addRows(second, 'gadgets', ROWS + 1, 300);
		const [things, gadgets] = await Promise.all([
			withFlow(pair.source, [migrate('things')], (flow) => flow.trigger()),
			withFlow(second, [migrate('gadgets')], (flow) => flow.trigger()),
		]);
		for (const outcome of [things, gadgets]) expect(outcome.resolved, JSON.stringify(outcome.last).slice(0, 1500)).toBe(true);
		const [early, late] = [things.last.lease, gadgets.last.lease].sort((a, b) => Date.parse(a.acquiredAt) - Date.parse(b.acquiredAt));
		expect(Date.parse(late.acquiredAt)).toBeGreaterThanOrEqual(Date.parse(early.releasedAt) - 1000);
		expect(late.waitedMs).toBeGreaterThan(0);
		expect(things.last.collections.things).toMatchObject({ created: 300, failed: 0 });
		// The gadgets had never been migrated: all of them are created now.
		expect(gadgets.last.collections.gadgets).toMatchObject({ created: ROWS + 300, failed: 0 });
		await expectEqual(pair.source, 'things');
		await expectEqual(second, 'gadgets');
	});

	it('a run with nothing to write never takes the lease: no lease row changes, and its report says readOnly', async () => {
		const first = await run(pair.source, 'migration-migrate-tables', { collections: ['things'] });
		expect(first.resolved, JSON.stringify(first.last).slice(0, 1500)).toBe(true);
		const rowsBefore = await leaseRows();
		const activityBefore = await leaseActivity();
		const quiet = await run(pair.source, 'migration-migrate-tables', { collections: ['things'] });
		expect(quiet.resolved, JSON.stringify(quiet.last).slice(0, 1500)).toBe(true);
		expect(quiet.last.collections.things).toMatchObject({ created: 0, updated: 0, failed: 0 });
		expect(quiet.last.lease).toEqual({ acquiredAt: null, releasedAt: null, waitedMs: 0, tookOverExpired: false, readOnly: true });
		expect(await leaseRows()).toEqual(rowsBefore);
		expect(await leaseActivity()).toBe(activityBefore);
	});

	// A run that finds the lease free reads first and takes it only to write. Another run holding the
	// destination in between makes what it read outdated: at its first write (the lease it takes is not
	// the one it saw free), or after its last read when it has nothing to write, it reads again under it.
	for (const [when, edited] of [
		['with nothing else to write, after its last read', false],
		['with a row to update in its last chunk, at its first write', true],
	] as const) {
		it(`a run that read while another run held the destination reads again under the lease (${when}), and writes back what that run removed`, async () => {
			// One request a second: the run reads its chunks' checksums a second apart (1,000 rows a chunk through the
			// items service, 5,000 as stored on SQLite and PostgreSQL). More rows than a chunk, copied first.
			const chunkRows = pair.destination.vendor === 'mariadb' ? 1000 : 5000;
			if ((await count(pair.source, 'things')) <= chunkRows + 500) {
				await addRows(pair.source, 'things', 10_000, chunkRows + 1000 - (await count(pair.source, 'things')));
				const copied = await run(pair.source, 'migration-migrate-tables', { collections: ['things'] });
				expect(copied.resolved, JSON.stringify(copied.last).slice(0, 1500)).toBe(true);
			}
			const rows = await count(pair.source, 'things');
			const last = (await pair.source.api<{ id: number }[]>('GET', '/items/things?sort=-id&limit=1&fields=id'))[0]!.id;
			if (edited) await pair.source.api('PATCH', `/items/things/${last}`, { name: `edited ${Date.now()}` });
			const logStart = readFileSync(pair.destination.logFile, 'utf8').length;
			const reading = withFlow(pair.source, [migrate('things', { requestsPerSecond: 1 })], (flow) => flow.trigger());
			// Once its first chunk was compared, and a second before its next request, another holder removes a
			// row of that chunk.
			const checksumReads = () => readFileSync(pair.destination.logFile, 'utf8').slice(logStart).split('"url":"/migration-receiver/checksums/things').length - 1;
			await expect.poll(checksumReads, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
			const client = new DestinationClient(await resolveDestination({ destinationUrl: pair.destination.url, destinationToken: pair.destination.token, retries: 5, requestsPerSecond: 0, timeoutSeconds: 60 }, { IMPORT_IP_DENY_LIST: LOCAL_DESTINATION_DENY_LIST }));
			const holder = (await DestinationLease.take(client, { whenBusy: 'fail', waitSeconds: 0, leaseSeconds: 30 }, { operation: 'row-remover', source: 'test' }, { info: () => {}, warn: () => {} })) as DestinationLease;
			await pair.destination.api('DELETE', '/items/things/5');
			await holder.release();

			const outcome = await reading;
			expect(outcome.resolved, JSON.stringify(outcome.last).slice(0, 1500)).toBe(true);
			expect(outcome.last.collections.things).toMatchObject({ created: 1, updated: edited ? 1 : 0, failed: 0 });
			expect(outcome.last.lease).toMatchObject({ acquiredAt: expect.any(String), releasedAt: expect.any(String) });
			expect(outcome.last.lease.readOnly).toBeUndefined();
			// Its steps ran twice: the chunks were compared again after the lease was taken.
			await expect.poll(checksumReads).toBeGreaterThan(Math.ceil(rows / chunkRows));
			await expectEqual(pair.source, 'things');
		});
	}

	it('an updatedAfter auto run that compared rows while another run held the destination and changed one of them reads again under the lease, and writes that row back', async () => {
		await createCollection(pair.source, 'stamped', [integerKey, stringField('name'), ...auditFields.slice(0, 2)]);
		await addRows(pair.source, 'stamped', 1, 1500);
		const schema = await run(pair.source, 'migration-schema-sync', { dryRun: false, collections: ['stamped'] });
		expect(schema.resolved, JSON.stringify(schema.last).slice(0, 1500)).toBe(true);
		const first = await run(pair.source, 'migration-migrate-tables', { collections: ['stamped'], updatedAfter: 'auto' });
		expect(first.last.collections.stamped).toMatchObject({ created: 1500, failed: 0 });
		// The marker lies 60 s before that run's plan: the next auto run asks which keys the destination lacks
		// (none), then compares all 1,500 rows again by checksums, 1,000 a request (equal), one request a second,
		// and moves the marker (its first write, where it takes the lease). Once the first chunk's answer is in,
		// another holder changes a row of it.
		const logStart = readFileSync(pair.destination.logFile, 'utf8').length;
		const reading = withFlow(pair.source, [migrate('stamped', { updatedAfter: 'auto', requestsPerSecond: 1 })], (flow) => flow.trigger());
		const compared = () => readFileSync(pair.destination.logFile, 'utf8').slice(logStart).split('"url":"/migration-receiver/checksums/stamped').length - 1;
		await expect.poll(compared, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
		const client = new DestinationClient(await resolveDestination({ destinationUrl: pair.destination.url, destinationToken: pair.destination.token, retries: 5, requestsPerSecond: 0, timeoutSeconds: 60 }, { IMPORT_IP_DENY_LIST: LOCAL_DESTINATION_DENY_LIST }));
		const holder = (await DestinationLease.take(client, { whenBusy: 'fail', waitSeconds: 0, leaseSeconds: 30 }, { operation: 'row-editor', source: 'test' }, { info: () => {}, warn: () => {} })) as DestinationLease;
		await pair.destination.api('PATCH', '/items/stamped/7', { name: 'changed by another run' });
		await holder.release();
		expect(compared(), 'the holder changed the row before the run\'s last comparison').toBe(1);

		const outcome = await reading;
		expect(outcome.resolved, JSON.stringify(outcome.last).slice(0, 1500)).toBe(true);
		expect(outcome.last.collections.stamped).toMatchObject({ updated: 1, failed: 0 });
		expect(outcome.last.lease).toMatchObject({ acquiredAt: expect.any(String), releasedAt: expect.any(String) });
		const name = async (instance: DirectusInstance) => (await instance.api<{ name: string }>('GET', '/items/stamped/7?fields=name')).name;
		expect(await name(pair.destination)).toBe(await name(pair.source));
	});

	it('the lease row names runs, operations and sources, never a token', async () => {
		const text = JSON.stringify(await pair.destination.api('GET', `/translations?filter[key][_starts_with]=${LEASE_KEY_PREFIX}&limit=-1`));
		expect(text).toContain('migration-');
		for (const secret of [pair.destination.token, pair.source.token, second.token]) expect(text).not.toContain(secret);
	});
});
