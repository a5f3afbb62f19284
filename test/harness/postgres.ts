import { execFileSync, spawnSync } from 'node:child_process';
import { databasesOfDeadRuns } from './run-databases.ts';

/** The PostgreSQL the end-to-end suite may also run on: local, trust authentication. */
export const POSTGRES = { host: '127.0.0.1', port: 5432, user: process.env['E2E_PG_USER'] ?? 'postgres' };

export function postgresAvailable(): boolean {
	return postgresUnavailable() === undefined;
}

/**
 * Why the PostgreSQL run cannot happen here, or undefined when PostgreSQL answers and lets us in.
 * E2E_PG_CHECK_PORT points this check alone at another port (to prove that a missing server fails
 * the run without stopping the real one).
 */
export function postgresUnavailable(): string | undefined {
	const port = process.env['E2E_PG_CHECK_PORT'] ?? String(POSTGRES.port);
	const where = `${POSTGRES.host}:${port}`;
	const probe = spawnSync('pg_isready', ['-h', POSTGRES.host, '-p', port, '-t', '3'], { stdio: 'ignore' });
	if (probe.error) return `PostgreSQL not reachable on ${where} (pg_isready is not installed)`;
	if (probe.status !== 0) return `PostgreSQL not reachable on ${where}`;
	const login = spawnSync('psql', psqlArgs('postgres', 'select 1', port), { stdio: 'ignore', timeout: 5000 });
	if (login.status !== 0) return `PostgreSQL on ${where} refuses user ${POSTGRES.user} without a password`;
	return undefined;
}

function psqlArgs(database: string, sql: string, port = String(POSTGRES.port)): string[] {
	return ['-h', POSTGRES.host, '-p', port, '-U', POSTGRES.user, '-d', database, '-v', 'ON_ERROR_STOP=1', '-Atc', sql];
}

export function psql(sql: string, database = 'postgres'): string {
	return execFileSync('psql', psqlArgs(database, sql), { encoding: 'utf8' }).trim();
}

export function databaseExists(name: string): boolean {
	return psql(`select 1 from pg_database where datname = '${name}'`) === '1';
}

export function dropDatabase(name: string): void {
	psql(`drop database if exists "${name}" with (force)`);
}

/** A data-only dump of a database, as text (to search it for a leaked secret). */
export function dumpData(name: string): string {
	// pg_dump warns about Directus's circular foreign keys on every data-only dump: its notes stay out of the
	// test output (a failure still throws, with them).
	return execFileSync('pg_dump', ['-h', POSTGRES.host, '-p', String(POSTGRES.port), '-U', POSTGRES.user, '--data-only', name], {
		encoding: 'utf8',
		maxBuffer: 512 * 1024 * 1024,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
}

/** Drops the databases of earlier runs whose process is gone. */
export function dropDatabasesOfDeadRuns(): void {
	for (const name of databasesOfDeadRuns(psql(`select datname from pg_database where datname like 'dmo_run_%'`).split('\n').filter(Boolean))) dropDatabase(name);
}
