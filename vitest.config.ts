import { defineConfig } from 'vitest/config';
import PlainSummaryReporter from './test/plain-summary-reporter.ts';
import { postgresUnavailable } from './test/harness/postgres.ts';
import { mariadbUnavailable } from './test/harness/mariadb.ts';
import { CHROMIUM_PATH, chromiumInstalled } from './test/harness/browser.ts';
import { redisUnavailable } from './test/harness/redis.ts';
import type { SuiteGate } from './test/suite-gate-runner.ts';
import { DIRECTUS_11_VERSION } from './test/harness/paths.ts';

const e2e = {
	include: ['test/e2e/**/*.test.ts'],
	testTimeout: 180_000,
	hookTimeout: 300_000,
	// Applies the gates below: a suite that cannot run fails, unless the run was told to skip it.
	runner: './test/suite-gate-runner.ts',
};
const BROWSER_TESTS = ['test/e2e/flow-editor-browser.test.ts', 'test/e2e/runs-panel-browser.test.ts'];
const REPLICA_TEST = 'test/e2e/replicas.test.ts';

// The end-to-end suite runs on SQLite and again on PostgreSQL (127.0.0.1:5432; `.ci/run` installs it
// with scripts/install-postgres.sh). Without PostgreSQL every PostgreSQL test FAILS, with the reason,
// unless the run says E2E_POSTGRES=skip: then they are skipped and the summary line says why.
function postgresGates(): SuiteGate[] {
	if (process.env['E2E_POSTGRES'] === 'skip') return [{ file: '*', mode: 'skip', reason: 'the PostgreSQL run (E2E_POSTGRES=skip); to run it: bash scripts/install-postgres.sh && npm test' }];
	const missing = postgresUnavailable();
	if (missing) return [{ file: '*', mode: 'fail', reason: `${missing}; run scripts/install-postgres.sh or set E2E_POSTGRES=skip` }];
	// The admin app does not depend on the database: the browser test runs in the SQLite run only.
	return BROWSER_TESTS.map((file) => ({ file, mode: 'skip' as const, reason: 'the browser tests run on SQLite only (the admin app does not depend on the database)' }));
}

// The same rule for MariaDB (127.0.0.1:3306, root without a password; scripts/install-mariadb.sh; E2E_MARIADB=skip).
function mariadbGates(): SuiteGate[] {
	if (process.env['E2E_MARIADB'] === 'skip') return [{ file: '*', mode: 'skip', reason: 'the MariaDB run (E2E_MARIADB=skip); to run it: bash scripts/install-mariadb.sh && npm test' }];
	const missing = mariadbUnavailable();
	if (missing) return [{ file: '*', mode: 'fail', reason: `${missing}; run scripts/install-mariadb.sh or set E2E_MARIADB=skip` }];
	return BROWSER_TESTS.map((file) => ({ file, mode: 'skip' as const, reason: 'the browser tests run on SQLite only (the admin app does not depend on the database)' }));
}

// The same rule for the browser test and Chromium (scripts/install-chromium.sh; E2E_BROWSER=skip).
function browserGates(): SuiteGate[] {
	if (process.env['E2E_BROWSER'] === 'skip') return BROWSER_TESTS.map((file) => ({ file, mode: 'skip' as const, reason: 'the browser tests (E2E_BROWSER=skip); to run them: bash scripts/install-chromium.sh && npm test' }));
	if (!chromiumInstalled()) {
		return BROWSER_TESTS.map((file) => ({ file, mode: 'fail' as const, reason: `No Chromium at ${CHROMIUM_PATH}; run scripts/install-chromium.sh or set E2E_BROWSER=skip` }));
	}
	return [];
}

// The replica test (two Directus replicas of the source on one PostgreSQL database and Redis on
// 127.0.0.1:6379; `.ci/run` starts it with scripts/install-redis.sh) runs in the PostgreSQL run only.
// Without Redis it FAILS, with the reason, unless the run says E2E_REDIS=skip.
function redisGates(): SuiteGate[] {
	if (process.env['E2E_REDIS'] === 'skip') return [{ file: REPLICA_TEST, mode: 'skip', reason: 'the replica test (E2E_REDIS=skip); to run it: bash scripts/install-redis.sh && npm test' }];
	const missing = redisUnavailable();
	if (missing) return [{ file: REPLICA_TEST, mode: 'fail', reason: `${missing}; run scripts/install-redis.sh or set E2E_REDIS=skip` }];
	return [];
}
const REPLICAS_NEED_POSTGRES: SuiteGate = {
	file: REPLICA_TEST,
	mode: 'skip',
	reason: 'the replica test runs in the PostgreSQL run only (replicas share one database server; a SQLite file belongs to one process)',
};

export default defineConfig({
	test: {
		reporters: ['default', new PlainSummaryReporter()],
		// Each end-to-end file starts its own pair of Directus servers: one file at a time on 2 cores.
		fileParallelism: false,
		projects: [
			{ test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
			{ test: { name: 'e2e', ...e2e, env: { E2E_DB_VENDOR: 'sqlite', E2E_GATES: JSON.stringify([REPLICAS_NEED_POSTGRES, ...browserGates()]) } } },
			{
				test: {
					name: 'e2e-postgres',
					...e2e,
					env: { E2E_DB_VENDOR: 'postgres', E2E_GATES: JSON.stringify([...postgresGates(), ...redisGates(), ...browserGates()]) },
				},
			},
			// Directus 11 (on SQLite): the same files, but for the browser test (the admin app of 12 is the one
			// checked) and the runs across database vendors (once, on 12, is enough for what they prove).
			{
				test: {
					name: 'e2e-directus11',
					...e2e,
					env: {
						E2E_DB_VENDOR: 'sqlite',
						DIRECTUS_VERSION: DIRECTUS_11_VERSION,
						E2E_GATES: JSON.stringify([
							...BROWSER_TESTS.map((file) => ({ file, mode: 'skip' as const, reason: `the browser tests run on Directus 12 only` })),
							{ file: 'test/e2e/across-vendors.test.ts', mode: 'skip', reason: `the runs across database vendors run on Directus 12 only` },
							REPLICAS_NEED_POSTGRES,
						] satisfies SuiteGate[]),
					},
				},
			},
			{
				test: {
					name: 'e2e-mariadb',
					...e2e,
					env: { E2E_DB_VENDOR: 'mariadb', E2E_GATES: JSON.stringify([...mariadbGates(), REPLICAS_NEED_POSTGRES, ...browserGates()]) },
				},
			},
		],
	},
});
