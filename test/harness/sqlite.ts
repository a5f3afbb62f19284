import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { DirectusInstance } from './instance.ts';
import { ensureDirectusInstalled, nodeBinary } from './paths.ts';

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

/**
 * Runs one SQL statement on an instance's SQLite file, next to the running server: for rows its API
 * refuses to create (a permission with a filter under Directus Core, a marketplace extension offline).
 */
export function runSql(instance: DirectusInstance, sql: string, params: unknown[] = []): void {
	const installRoot = dirname(dirname(dirname(ensureDirectusInstalled())));
	const sqlitePath = join(installRoot, 'node_modules/sqlite3');
	execFileSync(nodeBinary(), ['-e', RUN_SQL, sqlitePath, join(instance.dir, 'data.db'), sql, JSON.stringify(params)], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
}
