import { defineConfig } from 'vitest/config';
import PlainSummaryReporter from './test/plain-summary-reporter.ts';
import { postgresAvailable } from './test/harness/postgres.ts';

const e2e = {
	include: ['test/e2e/**/*.test.ts'],
	testTimeout: 180_000,
	hookTimeout: 300_000,
};

// The end-to-end suite runs on SQLite, and again on PostgreSQL when one answers on 127.0.0.1:5432
// (`.ci/run` makes sure it does; scripts/install-postgres.sh installs it).
const withPostgres = process.env['E2E_POSTGRES'] !== 'skip' && postgresAvailable();
if (!withPostgres) {
	console.log('\n[e2e] PostgreSQL is not available on 127.0.0.1:5432: the PostgreSQL end-to-end run is SKIPPED (SQLite only).\n');
}

export default defineConfig({
	test: {
		reporters: ['default', new PlainSummaryReporter()],
		// Each end-to-end file starts its own pair of Directus servers: one file at a time on 2 cores.
		fileParallelism: false,
		projects: [
			{ test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
			{ test: { name: 'e2e', ...e2e, env: { E2E_DB_VENDOR: 'sqlite' } } },
			...(withPostgres ? [{ test: { name: 'e2e-postgres', ...e2e, env: { E2E_DB_VENDOR: 'postgres' } } }] : []),
		],
	},
});
