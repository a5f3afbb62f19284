import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFlow } from '../harness/flows.ts';
import { DEFAULT_VENDOR, directusVendor, freePort } from '../harness/instance.ts';
import { DIRECTUS_VERSION } from '../harness/paths.ts';
import { postgresAvailable } from '../harness/postgres.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { createCollection, integerKey, stringField } from '../harness/schema-fixtures.ts';
import { placesHoldingSecret } from '../harness/secrets.ts';

const WRONG_TOKEN = 'wrong-token-0123456789abcdef';
const EDITOR_TOKEN = 'editor-token-0123456789abcdef';

let pair: Pair;
const runCheck = (options: Record<string, unknown> = {}) =>
	withFlow(pair.source, [{ key: 'check', type: 'migration-check', options }], (flow) => flow.trigger());

beforeAll(async () => {
	pair = await startPair({ sourceEnv: { MIGRATION_WRONG_TOKEN: WRONG_TOKEN, MIGRATION_EDITOR_TOKEN: EDITOR_TOKEN } });
	// A user of the destination who is not an admin, with a token the source knows.
	await pair.destination.api('POST', '/users', { email: 'editor@example.com', password: 'editor-password', token: EDITOR_TOKEN });
});
afterAll(async () => {
	await pair?.stop();
});

describe('migration-check', () => {
	it('resolves with versions, vendors and schema state for a compatible pair', async () => {
		const run = await runCheck();
		expect(run.resolved, JSON.stringify(run.last)).toBe(true);
		expect(run.last).toMatchObject({
			operation: 'migration-check',
			ok: true,
			compatible: true,
			forced: false,
			source: { version: DIRECTUS_VERSION, vendor: directusVendor(DEFAULT_VENDOR) },
			destination: { host: new URL(pair.destination.url).host, version: DIRECTUS_VERSION, vendor: directusVendor(DEFAULT_VENDOR) },
			reasons: [],
			schemaInSync: true,
			schemaDiff: { collections: 0, fields: 0, relations: 0 },
		});
	});

	it('reports a schema that differs, with counts, and still resolves', async () => {
		await createCollection(pair.source, 'check_only_on_source', [integerKey, stringField('name')]);
		const run = await runCheck();
		expect(run.resolved).toBe(true);
		expect(run.last.schemaInSync).toBe(false);
		expect(run.last.schemaDiff).toEqual({ collections: 1, fields: 2, relations: 0 });
		const scoped = await runCheck({ excludeCollections: ['check_only_on_source'] });
		expect(scoped.last.schemaInSync).toBe(true);
	});

	it('rejects with UNAUTHORIZED when the destination refuses the token', async () => {
		const run = await runCheck({ destinationTokenEnv: 'MIGRATION_WRONG_TOKEN' });
		expect(run.resolved).toBe(false);
		expect(run.last).toMatchObject({ operation: 'migration-check', code: 'UNAUTHORIZED', compatible: false });
		expect(run.last.reasons.map((reason: { code: string }) => reason.code)).toEqual(['UNAUTHORIZED']);
	});

	it('rejects with NOT_ADMIN when the token belongs to a user who is not an admin', async () => {
		const run = await runCheck({ destinationTokenEnv: 'MIGRATION_EDITOR_TOKEN' });
		expect(run.resolved).toBe(false);
		expect(run.last).toMatchObject({ code: 'NOT_ADMIN', compatible: false });
	});

	it('rejects quickly with DESTINATION_UNREACHABLE when nothing listens at the URL', async () => {
		const closedPort = await freePort();
		const startedAt = Date.now();
		const run = await runCheck({ destinationUrl: `http://127.0.0.1:${closedPort}`, retries: 3 });
		expect(run.resolved).toBe(false);
		expect(run.last).toMatchObject({ code: 'DESTINATION_UNREACHABLE', compatible: false });
		expect(run.last.requests).toEqual({ requests: 4, retries: 3 });
		expect(Date.now() - startedAt).toBeLessThan(15_000);
	});

	it('rejects bad options with INVALID_OPTIONS naming the option, before any request', async () => {
		const noEnv = await runCheck({ destinationTokenEnv: 'MIGRATION_NOT_SET_ANYWHERE' });
		expect(noEnv.last).toMatchObject({ code: 'INVALID_OPTIONS' });
		expect(noEnv.last.message).toContain('destinationTokenEnv');
		expect(noEnv.last.message).toContain('NOT_SET_ANYWHERE');

		const badUrl = await runCheck({ destinationUrl: 'not a url' });
		expect(badUrl.last).toMatchObject({ code: 'INVALID_OPTIONS' });
		expect(badUrl.last.message).toContain('destinationUrl');

		const badForce = await runCheck({ force: 'maybe' });
		expect(badForce.last).toMatchObject({ code: 'INVALID_OPTIONS' });
		expect(badForce.last.message).toContain('force');

		const systemCollection = await runCheck({ collections: ['directus_users'] });
		expect(systemCollection.last.message).toContain('directus_users');
	});

	it('never lets the destination token reach a result, a log line, a revision or the database', async () => {
		await runCheck({ destinationTokenEnv: 'MIGRATION_WRONG_TOKEN' });
		await runCheck();
		expect(await placesHoldingSecret(pair.source, pair.destination.token)).toEqual([]);
		expect(await placesHoldingSecret(pair.source, WRONG_TOKEN)).toEqual([]);
	});
});

describe('migration-check across database vendors', () => {
	it('rejects a destination on another database vendor with INCOMPATIBLE, and force accepts it', async (context) => {
		if (DEFAULT_VENDOR !== 'sqlite') context.skip('runs once, in the SQLite run (a SQLite source against a PostgreSQL destination)');
		if (!postgresAvailable()) {
			if (process.env['E2E_POSTGRES'] === 'skip') context.skip('needs PostgreSQL (E2E_POSTGRES=skip); to run it: bash scripts/install-postgres.sh && npm test');
			throw new Error('PostgreSQL is not reachable on 127.0.0.1:5432: run scripts/install-postgres.sh, or set E2E_POSTGRES=skip');
		}
		const mixed = await startPair({ vendor: 'sqlite', destinationVendor: 'postgres' });
		try {
			const check = (options: Record<string, unknown>) =>
				withFlow(mixed.source, [{ key: 'check', type: 'migration-check', options }], (flow) => flow.trigger());
			const refused = await check({});
			expect(refused.resolved).toBe(false);
			expect(refused.last).toMatchObject({ code: 'INCOMPATIBLE', compatible: false, source: { vendor: 'sqlite' }, destination: { vendor: 'postgres' } });
			expect(refused.last.reasons.map((reason: { code: string }) => reason.code)).toEqual(['VENDOR_MISMATCH']);

			const forced = await check({ force: true });
			expect(forced.resolved).toBe(true);
			expect(forced.last).toMatchObject({ compatible: true, forced: true });
		} finally {
			await mixed.stop();
		}
	});
});
