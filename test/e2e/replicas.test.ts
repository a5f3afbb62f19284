import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlow, withFlow } from '../harness/flows.ts';
import type { DirectusInstance } from '../harness/instance.ts';
import { startReplicas, type Replicas, type SynchronizationStore } from '../harness/replicas.ts';
import { createCollection, integerKey, stringField } from '../harness/schema-fixtures.ts';
import { LEASE_KEY_PREFIX, type LeaseRecord } from '../../src/lib/lease/records.ts';

/**
 * The source run as two Directus replicas (one PostgreSQL database, Redis, shared storage) with what
 * real deployments overlap: a cron Flow every 3 s whose run takes longer than that (it skips a tick
 * while another run holds the destination), and an event Flow on either replica promoting each
 * edited article (it waits for the lease). With SYNCHRONIZATION_STORE=redis one replica claims each
 * tick; with the default memory store both replicas fire every tick, and the lease serialises them.
 * Either way: no failed row, no duplicate, the destination verifies equal, the sync marker is where
 * the last run left it, and the Flows' results say which runs skipped and which waited.
 */
const ARTICLES = 300;
const TICK_MS = 3_000;
/** Slow enough that a cron run outlasts the 3 s interval. */
const SLOW = { requestsPerSecond: 3 };
let set: Replicas;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const count = async (instance: DirectusInstance) => Number((await instance.api<{ count: number | string }[]>('GET', '/items/articles?aggregate[count]=*'))[0]!.count);

async function webhook(instance: DirectusInstance, type: string, options: Record<string, unknown>) {
	return withFlow(instance, [{ key: 'step', type, options }], (flow) => flow.trigger());
}

async function leaseRows(): Promise<LeaseRecord[]> {
	const rows = await set.destination.api<{ value: string }[]>('GET', `/translations?filter[key][_starts_with]=${LEASE_KEY_PREFIX}&fields=value&limit=-1`);
	return rows.map((row) => JSON.parse(row.value) as LeaseRecord);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const value = await probe();
		if (value !== undefined) return value;
		await sleep(500);
	}
	throw new Error(`timed out waiting for ${what}`);
}

/** No run holds the destination, twice in a row a few seconds apart (the runs still going have ended). */
async function quiet(): Promise<void> {
	await waitFor('every run to end', async () => {
		const free = async () => (await leaseRows()).every((row) => row.releasedAt !== null || Date.parse(row.expiresAt) < Date.now());
		if (!(await free())) return undefined;
		await sleep(4_000);
		return (await free()) ? true : undefined;
	}, 150_000);
}

beforeAll(async () => {
	set = await startReplicas('redis');
	const [a] = set.replicas;
	await createCollection(a, 'articles', [
		integerKey,
		stringField('title'),
		{ field: 'date_created', type: 'timestamp', meta: { special: ['date-created'], interface: 'datetime', readonly: true, hidden: true } },
		{ field: 'date_updated', type: 'timestamp', meta: { special: ['date-updated'], interface: 'datetime', readonly: true, hidden: true } },
	]);
	await a.api('POST', '/items/articles?fields=id', Array.from({ length: ARTICLES }, (_, index) => ({ title: `Article ${index + 1}` })));
	const schema = await webhook(a, 'migration-schema-sync', { dryRun: false });
	expect(schema.resolved, JSON.stringify(schema.last).slice(0, 1500)).toBe(true);
	const first = await webhook(a, 'migration-migrate-tables', { collections: ['articles'], updatedAfter: 'auto' });
	expect(first.resolved, JSON.stringify(first.last).slice(0, 1500)).toBe(true);
	expect(first.last.collections.articles).toMatchObject({ created: ARTICLES, failed: 0 });
});
afterAll(async () => {
	await set?.stop();
});

/**
 * Runs the cron and event Flows for a while, editing and adding articles on both replicas, and
 * checks the outcome. Returns the number of cron runs and of 3 s ticks while the cron Flow was active.
 */
async function overlappingRuns(label: string): Promise<{ cronRuns: number; ticks: number }> {
	const [a, b] = set.replicas;
	const cron = await createFlow(a, [{ key: 'sync', type: 'migration-migrate-tables', options: { collections: ['articles'], updatedAfter: 'auto', whenBusy: 'skip', ...SLOW } }], {
		name: `${label}: sync every 3 s`,
		trigger: { type: 'schedule', options: { cron: '*/3 * * * * *' } },
	});
	const activeFrom = Date.now();
	const promote = await createFlow(b, [{ key: 'promote', type: 'migration-migrate-tables', options: { collections: ['articles'], keys: '{{$trigger.keys}}', whenBusy: 'wait', ...SLOW } }], {
		name: `${label}: promote edited articles`,
		trigger: { type: 'event', options: { type: 'action', scope: ['items.update'], collections: ['articles'] } },
	});
	let activeUntil = activeFrom;
	try {
		// Edits and new articles on either replica, for about 20 s.
		for (let round = 0; round < 10; round++) {
			const replica = round % 2 === 0 ? a : b;
			await replica.api('PATCH', `/items/articles/${1 + round * 13}`, { title: `${label}: edited in round ${round}` });
			await replica.api('POST', '/items/articles', { title: `${label}: added in round ${round}` });
			await sleep(2_000);
		}
		const lastEdit = Date.now();
		// A cron run planned after the last edit has brought everything over.
		await waitFor('a cron run after the last edit', async () => {
			const runs = await cron.runs();
			// Planned after it (a run that found nothing to write holds no lease; its reads were as good as held).
			return runs.find((run) => run['$last']?.ok && !run['$last'].skipped && Date.parse(run['$last'].plan?.createdAt) > lastEdit + 1_000) ? true : undefined;
		}, 120_000);
		await a.api('PATCH', `/flows/${cron.id}`, { status: 'inactive' });
		activeUntil = Date.now();
		await quiet();

		const cronRuns = (await cron.runs()).map((run) => run['$last']);
		const promoteRuns = (await promote.runs()).map((run) => run['$last']);
		// Every run either migrated without a failed row, or (cron) skipped because another run held the destination.
		for (const result of [...cronRuns, ...promoteRuns]) {
			expect(result.code, JSON.stringify(result).slice(0, 1500)).toBeUndefined();
			if (result.skipped) {
				expect(result).toMatchObject({ skipped: true, reason: 'ALREADY_RUNNING', heldBy: { operation: 'migration-migrate-tables', source: set.publicUrl } });
			} else if (result.lease?.readOnly) {
				// Nothing to write: the lease was never taken.
				expect(result.collections.articles).toMatchObject({ created: 0, updated: 0, failed: 0 });
				expect(result.lease).toMatchObject({ acquiredAt: null, releasedAt: null });
			} else {
				expect(result.collections.articles.failed).toBe(0);
				expect(result.lease, JSON.stringify(result).slice(0, 1500)).toMatchObject({ acquiredAt: expect.any(String), releasedAt: expect.any(String), tookOverExpired: false });
			}
		}
		const skipped = cronRuns.filter((result) => result.skipped).length;
		const waited = [...cronRuns, ...promoteRuns].filter((result) => result.lease?.waitedMs > 0).length;
		expect(skipped, 'cron runs that skipped a tick').toBeGreaterThan(0);
		expect(promoteRuns.length, 'edits promoted by the event Flow').toBeGreaterThanOrEqual(5);
		expect(waited, 'event runs that queued behind another run').toBeGreaterThan(0);
		// The runs that held the lease never overlapped.
		const held = [...cronRuns, ...promoteRuns]
			.filter((result) => !result.skipped && !result.lease.readOnly)
			.map((result) => [Date.parse(result.lease.acquiredAt), Date.parse(result.lease.releasedAt)] as const)
			.sort((x, y) => x[0] - y[0]);
		for (let index = 1; index < held.length; index++) expect(held[index]![0]).toBeGreaterThanOrEqual(held[index - 1]![1] - 1_000);

		// No duplicate, nothing missing, every value equal.
		expect(await count(set.destination)).toBe(await count(a));
		const verify = await webhook(b, 'migration-verify', { collections: ['articles'] });
		expect(verify.resolved, JSON.stringify(verify.last).slice(0, 1500)).toBe(true);
		// The marker is where a run that planned left it, at or after the last run that wrote (runs plan under
		// the lease, or read before taking it only when nobody held it meanwhile, so the last to hold it
		// planned last; a run that found nothing changed leaves it as it is).
		const ran = cronRuns.filter((result) => !result.skipped);
		const markerOf = (result: any) => new Date(Date.parse(result.plan.createdAt) - 60_000).toISOString();
		const wrote = ran.filter((result) => result.collections.articles.created + result.collections.articles.updated > 0);
		const [marker] = await set.destination.api<{ layout_options: any }[]>('GET', `/presets?filter[bookmark][_contains]=${encodeURIComponent(set.publicUrl)}&fields=layout_options`);
		const watermark = marker!.layout_options.migrationSync.watermarks.articles;
		expect(ran.map(markerOf)).toContain(watermark);
		for (const result of wrote) expect(watermark >= markerOf(result)).toBe(true);
		return { cronRuns: cronRuns.length, ticks: Math.floor(activeUntil / TICK_MS) - Math.floor(activeFrom / TICK_MS) };
	} finally {
		await cron.remove();
		await promote.remove();
	}
}

describe('the source as two Directus replicas', () => {
	it('with SYNCHRONIZATION_STORE=redis one replica runs each cron tick, and overlapping runs take turns on the destination', async () => {
		const { cronRuns, ticks } = await overlappingRuns('redis');
		expect(cronRuns, `${cronRuns} cron runs in ${ticks} ticks`).toBeLessThanOrEqual(ticks + 2);
	});

	it('with the default memory store both replicas run every cron tick, and the lease serialises them', async () => {
		await set.restart('memory');
		const { cronRuns, ticks } = await overlappingRuns('memory');
		expect(cronRuns, `${cronRuns} cron runs in ${ticks} ticks`).toBeGreaterThanOrEqual(2 * ticks - 4);
	});
});
