import { describe, expect, it } from 'vitest';
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
