import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { DirectusInstance } from './instance.ts';
import { ensureDirectusInstalled, nodeBinary } from './paths.ts';
import { mysql } from './mariadb.ts';
import { psql } from './postgres.ts';

const RUN_SQL = `
const [sqlitePath, file, sql, params] = process.argv.slice(1);
const sqlite3 = require(sqlitePath);
const db = new sqlite3.Database(file);
db.configure('busyTimeout', 10000);
db.run(sql, JSON.parse(params), (error) => {
	db.close();
	if (error) { console.error(error.message); process.exit(1); }
});
`;

/** A parameter as an SQL literal (PostgreSQL and MariaDB paths: their clients take no bound parameters). */
function literal(value: unknown, vendor: DirectusInstance['vendor']): string {
	if (value === null || value === undefined) return 'NULL';
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	// MariaDB reads a backslash in a string literal as an escape; PostgreSQL does not.
	const text = vendor === 'mariadb' ? String(value).replace(/\\/g, '\\\\') : String(value);
	return `'${text.replace(/'/g, "''")}'`;
}

/** MariaDB spells `cast(… as text)` `cast(… as char)`: the suite's SQL is written the PostgreSQL/SQLite way. */
function forMariadb(sql: string): string {
	return sql.replace(/\bas text\)/gi, 'as char)');
}

/**
 * Runs one SQL statement (with `?` parameters) on an instance's database, next to the running
 * server: for rows its API refuses to create (a permission with a filter under Directus Core, a
 * marketplace extension offline). SQLite, PostgreSQL and MariaDB.
 */
export function runSql(instance: DirectusInstance, sql: string, params: unknown[] = []): void {
	if (instance.vendor !== 'sqlite') {
		let index = 0;
		const bound = sql.replace(/\?/g, () => literal(params[index++], instance.vendor));
		if (instance.vendor === 'postgres') psql(bound, instance.database);
		else mysql(forMariadb(bound), instance.database);
		return;
	}
	const installRoot = dirname(dirname(dirname(ensureDirectusInstalled())));
	const sqlitePath = join(installRoot, 'node_modules/sqlite3');
	execFileSync(nodeBinary(), ['-e', RUN_SQL, sqlitePath, instance.database, sql, JSON.stringify(params)], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
}

const SELECT_SQLITE = `
const [sqlitePath, file, sql] = process.argv.slice(1);
const sqlite3 = require(sqlitePath);
const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY);
db.configure('busyTimeout', 10000);
db.all(sql, [], (error, rows) => {
	db.close();
	if (error) { console.error(error.message); process.exit(1); }
	process.stdout.write(JSON.stringify(rows.map((row) => Object.values(row).map((value) => value === null ? null : String(value)))));
});
`;

/**
 * The rows of `sql` as the database stores them, each value as text (`cast(… as text)` in the SQL
 * keeps numbers exact; a driver would turn them into doubles; write nulls as text with coalesce).
 * SQLite, PostgreSQL and MariaDB.
 */
export function selectAsText(instance: DirectusInstance, sql: string): (string | null)[][] {
	if (instance.vendor === 'postgres') {
		// psql -A: one line per row, values separated by '|' (write nulls as text in the SQL).
		return psql(sql, instance.database)
			.split('\n')
			.filter(Boolean)
			.map((line) => line.split('|'));
	}
	if (instance.vendor === 'mariadb') {
		// mysql -B: one line per row, values separated by tabs, a null as NULL.
		return mysql(forMariadb(sql), instance.database)
			.split('\n')
			.filter(Boolean)
			.map((line) => line.split('\t').map((value) => (value === 'NULL' ? null : value)));
	}
	const installRoot = dirname(dirname(dirname(ensureDirectusInstalled())));
	const text = execFileSync(nodeBinary(), ['-e', SELECT_SQLITE, join(installRoot, 'node_modules/sqlite3'), instance.database, sql], {
		encoding: 'utf8',
		maxBuffer: 64 * 1024 * 1024,
	});
	return JSON.parse(text) as (string | null)[][];
}
