import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPair, type Pair } from '../harness/pair.ts';
import { withFlow } from '../harness/flows.ts';

let pair: Pair;
beforeAll(async () => {
	pair = await startPair();
});
afterAll(async () => {
	await pair?.stop();
});

describe('migration-check', () => {
	it('resolves with versions, vendors and schema state for a compatible pair', async () => {
		const run = await withFlow(pair.source, [{ key: 'check', type: 'migration-check' }], (flow) => flow.trigger());
		expect(run.resolved, JSON.stringify(run.last)).toBe(true);
		expect(run.last).toMatchObject({
			operation: 'migration-check',
			ok: true,
			compatible: true,
			forced: false,
			source: { version: '12.3.1', vendor: 'sqlite' },
			destination: { version: '12.3.1', vendor: 'sqlite' },
			reasons: [],
			schemaInSync: true,
		});
	});
});
