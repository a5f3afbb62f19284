import { execFileSync, execSync, spawnSync } from 'node:child_process';
import { databasesOfDeadRuns } from './run-databases.ts';

/** The MariaDB (or MySQL) the end-to-end suite may also run on: local, root without a password. */
export const MARIADB = {
	host: '127.0.0.1',
	port: Number(process.env['E2E_MARIADB_PORT'] ?? 3306),
	user: process.env['E2E_MARIADB_USER'] ?? 'root',
};

function clientArgs(port = MARIADB.port): string[] {
	return ['-h', MARIADB.host, '-P', String(port), '-u', MARIADB.user, '--protocol=tcp'];
}

export function mariadbAvailable(): boolean {
	return mariadbUnavailable() === undefined;
}

/**
 * Why the MariaDB run cannot happen here, or undefined when MariaDB answers and lets us in.
 * E2E_MARIADB_CHECK_PORT points this check alone at another port (to prove that a missing server
 * fails the run without stopping the real one).
 */
export function mariadbUnavailable(): string | undefined {
	const port = Number(process.env['E2E_MARIADB_CHECK_PORT'] ?? MARIADB.port);
	const where = `${MARIADB.host}:${port}`;
	const probe = spawnSync('mysql', [...clientArgs(port), '--connect-timeout=3', '-N', '-e', 'select 1'], { stdio: 'ignore', timeout: 8000 });
	if (probe.error) return `MariaDB not reachable on ${where} (the mysql client is not installed)`;
	if (probe.status !== 0) return `MariaDB not reachable on ${where}, or it refuses user ${MARIADB.user} without a password`;
	return undefined;
}

/** Runs SQL (one or more statements) and returns the rows as tab-separated lines, without a header. */
export function mysql(sql: string, database?: string): string {
	return execFileSync('mysql', [...clientArgs(), '-N', '-B', ...(database ? [database] : []), '-e', sql], {
		encoding: 'utf8',
		maxBuffer: 64 * 1024 * 1024,
	}).replace(/\n$/, '');
}

export function databaseExists(name: string): boolean {
	return mysql(`select 1 from information_schema.schemata where schema_name = '${name}'`) === '1';
}

/**
 * utf8mb4_unicode_ci: the collation of the connection Directus opens (mysql2's default). A database
 * in another collation (MariaDB 10's default is utf8mb4_general_ci) makes some of Directus's own
 * queries fail ("Illegal mix of collations", e.g. a filter through an M2A relation).
 */
export function createDatabase(name: string): void {
	mysql(`create database \`${name}\` character set utf8mb4 collate utf8mb4_unicode_ci`);
}

export function dropDatabase(name: string): void {
	mysql(`drop database if exists \`${name}\``);
}

/**
 * A copy of `template` as `target`: mysqldump piped into the client (MariaDB has no template
 * databases, and `CREATE TABLE … LIKE` leaves the foreign keys behind). About a second for a
 * bootstrapped Directus.
 */
export function copyDatabase(template: string, target: string): void {
	createDatabase(target);
	const args = (list: string[]) => list.map((arg) => `'${arg}'`).join(' ');
	execSync(
		`set -o pipefail; mysqldump ${args(clientArgs())} --single-transaction --skip-triggers --no-tablespaces ${args([template])} | mysql ${args(clientArgs())} ${args([target])}`,
		{ shell: '/bin/bash', stdio: ['ignore', 'ignore', 'pipe'] },
	);
}

/** A data-only dump of a database, as text (to search it for a leaked secret). */
export function dumpData(name: string): string {
	return execFileSync('mysqldump', [...clientArgs(), '--no-create-info', '--skip-extended-insert', '--hex-blob', name], {
		encoding: 'utf8',
		maxBuffer: 512 * 1024 * 1024,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
}

/** Drops the databases of earlier runs whose process is gone. */
export function dropDatabasesOfDeadRuns(): void {
	for (const name of databasesOfDeadRuns(mysql(`select schema_name from information_schema.schemata where schema_name like 'dmo\\_run\\_%'`).split('\n').filter(Boolean))) dropDatabase(name);
}
