import { describe, expect, it } from 'vitest';
import { attemptLease, releaseLease, renewLease, type LeaseRows } from '../../src/lib/lease/lease.js';
import { isLeaseKey, leaseKey, leaseRecords, leaseRowId, leaseState, type LeaseRecord } from '../../src/lib/lease/records.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function record(generation: number, fields: Partial<LeaseRecord> = {}): LeaseRecord {
	return {
		version: 1,
		generation,
		run: `run-${generation}`,
		operation: 'migration-migrate-tables',
		source: 'https://source.example.com',
		since: '2026-01-01T11:59:00.000Z',
		renewedAt: '2026-01-01T11:59:30.000Z',
		expiresAt: '2026-01-01T12:01:30.000Z',
		releasedAt: null,
		...fields,
	};
}

const row = (entry: LeaseRecord, id = leaseRowId(entry.generation)) => ({ id, value: JSON.stringify(entry) });

describe('lease records', () => {
	it('each generation has its own fixed UUID key, the same in every process', () => {
		expect(leaseRowId(1)).toBe(leaseRowId(1));
		expect(leaseRowId(1)).not.toBe(leaseRowId(2));
		expect(leaseRowId(7)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
	});

	it('a destination without a lease row is free: the first run takes generation 1', () => {
		expect(leaseState([], NOW)).toEqual({ free: true, generation: 1, expired: null });
	});

	it('the highest generation holds the lease until it expires', () => {
		const records = leaseRecords([row(record(3)), row(record(4))]);
		expect(leaseState(records, NOW)).toEqual({ free: false, holder: records[0] });
		expect(records[0]!.generation).toBe(4);
	});

	it('a released lease is free, and taking it is no takeover', () => {
		const released = record(4, { releasedAt: '2026-01-01T11:59:50.000Z' });
		expect(leaseState(leaseRecords([row(released)]), NOW)).toEqual({ free: true, generation: 5, expired: null });
	});

	it('a lease past its expiry is taken over by the next generation, naming the run that left it', () => {
		const stale = record(9, { expiresAt: '2026-01-01T11:59:59.000Z' });
		expect(leaseState(leaseRecords([row(stale)]), NOW)).toEqual({ free: true, generation: 10, expired: stale });
	});

	it('a row whose key does not match its generation, or whose value is not a lease, is ignored', () => {
		const moved = row(record(5), leaseRowId(6));
		const garbage = { id: leaseRowId(8), value: 'hello' };
		expect(leaseRecords([moved, garbage, row(record(2))]).map((entry) => entry.generation)).toEqual([2]);
	});

	it('the system migration can tell a lease row from a user\'s translation by its key', () => {
		expect(isLeaseKey(leaseKey(12))).toBe(true);
		expect(isLeaseKey('greeting')).toBe(false);
		expect(isLeaseKey(null)).toBe(false);
	});

	it('a lease row holds no token, only who runs what since when', () => {
		expect(Object.keys(record(1)).sort()).toEqual(['expiresAt', 'generation', 'operation', 'releasedAt', 'renewedAt', 'run', 'since', 'source', 'version']);
	});
});

/** The lease's rows in memory, with a unique primary key like the destination's table. */
function memoryRows(now = NOW) {
	const rows = new Map<string, string>();
	const store: LeaseRows = {
		now: () => now,
		read: async () => [...rows].map(([id, value]) => ({ id, value })),
		create: async (entry) => {
			const id = leaseRowId(entry.generation);
			if (rows.has(id)) return false;
			rows.set(id, JSON.stringify(entry));
			return true;
		},
		remove: async (ids) => ids.forEach((id) => rows.delete(id)),
		write: async (entry) => void rows.set(leaseRowId(entry.generation), JSON.stringify(entry)),
	};
	return { store, records: () => leaseRecords([...rows].map(([id, value]) => ({ id, value }))) };
}

describe('the lease rules (the same over REST and in the receiver)', () => {
	const request = (run: string) => ({ run, operation: 'migration-migrate-tables', source: 'https://source.example.com', leaseSeconds: 120 });

	it('a run asking again after its answer was lost is told it holds the lease; another run is told who does', async () => {
		const { store } = memoryRows();
		const first = await attemptLease(store, request('a'));
		expect(first).toMatchObject({ taken: { generation: 1, run: 'a' }, expired: null });
		expect(await attemptLease(store, request('a'))).toMatchObject({ taken: { generation: 1, run: 'a' } });
		expect(await attemptLease(store, request('b'))).toMatchObject({ busy: { generation: 1, run: 'a' } });
	});

	it('a renewal moves the expiry of the holder only; once another run took the lease over, it says so (null)', async () => {
		const { store, records } = memoryRows();
		await attemptLease(store, request('a'));
		const renewed = await renewLease(store, { generation: 1, run: 'a' }, 600);
		expect(renewed?.expiresAt).toBe(new Date(NOW + 600_000).toISOString());
		await store.write(record(2, { run: 'b', expiresAt: new Date(NOW + 60_000).toISOString() }));
		expect(await renewLease(store, { generation: 1, run: 'a' }, 600)).toBeNull();
		expect(records()[0]).toMatchObject({ generation: 2, run: 'b' });
	});

	it('giving the lease back marks its row released, and the next run takes the next generation and removes the older one', async () => {
		const { store, records } = memoryRows();
		await attemptLease(store, request('a'));
		expect(await releaseLease(store, { generation: 1, run: 'a' })).toBe(new Date(NOW).toISOString());
		expect(records()[0]?.releasedAt).toBe(new Date(NOW).toISOString());
		expect(await attemptLease(store, request('b'))).toMatchObject({ taken: { generation: 2, run: 'b' } });
		expect(records().map((entry) => entry.generation)).toEqual([2]);
	});
});
