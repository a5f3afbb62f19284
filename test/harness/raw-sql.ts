import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { DirectusInstance } from './instance.ts';
import { ensureDirectusInstalled, nodeBinary } from './paths.ts';
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

/** A parameter as an SQL literal (PostgreSQL path: psql takes no bound parameters). */
function literal(value: unknown): string {
	if (value === null || value === undefined) return 'NULL';
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	return `'${String(value).replace(/'/g, "''")}'`;
}

/**
 * Runs one SQL statement (with `?` parameters) on an instance's database, next to the running
 * server: for rows its API refuses to create (a permission with a filter under Directus Core, a
 * marketplace extension offline). SQLite and PostgreSQL.
 */
export function runSql(instance: DirectusInstance, sql: string, params: unknown[] = []): void {
	if (instance.vendor === 'postgres') {
		let index = 0;
		psql(sql.replace(/\?/g, () => literal(params[index++])), instance.database);
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
 * SQLite and PostgreSQL.
 */
export function selectAsText(instance: DirectusInstance, sql: string): (string | null)[][] {
	if (instance.vendor === 'postgres') {
		// psql -A: one line per row, values separated by '|' (write nulls as text in the SQL).
		return psql(sql, instance.database)
			.split('\n')
			.filter(Boolean)
			.map((line) => line.split('|'));
	}
	const installRoot = dirname(dirname(dirname(ensureDirectusInstalled())));
	const text = execFileSync(nodeBinary(), ['-e', SELECT_SQLITE, join(installRoot, 'node_modules/sqlite3'), instance.database, sql], {
		encoding: 'utf8',
		maxBuffer: 64 * 1024 * 1024,
	});
	return JSON.parse(text) as (string | null)[][];
}
