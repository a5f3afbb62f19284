import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The Directus the end-to-end suite runs on by default, and the older one it also runs (on SQLite). */
export const MAIN_DIRECTUS_VERSION = '12.3.1';
export const DIRECTUS_11_VERSION = '11.17.4';
/** The Directus this test process runs: DIRECTUS_VERSION (the e2e-directus11 project sets it), else the main one. */
export const DIRECTUS_VERSION = process.env['DIRECTUS_VERSION'] ?? MAIN_DIRECTUS_VERSION;
export const CACHE_DIR =
	process.env['MIGRATION_DIRECTUS_CACHE'] ??
	join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'directus-migration-operations');

/** Node 22 from the `node` dev dependency: Directus 12 needs it, whatever Node runs the tests. */
export function nodeBinary(): string {
	const local = join(PROJECT_ROOT, 'node_modules/.bin/node');
	return existsSync(local) ? local : process.execPath;
}

/** The cached Directus install (installed on first use by scripts/install-directus.sh); another version than this run's on request. */
export function ensureDirectusInstalled(version = DIRECTUS_VERSION): string {
	const output = execFileSync('bash', [join(PROJECT_ROOT, 'scripts/install-directus.sh')], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
		env: { ...process.env, DIRECTUS_VERSION: version, MIGRATION_DIRECTUS_CACHE: CACHE_DIR },
	});
	const dir = output.trim().split('\n').pop()!;
	return join(dir, 'node_modules/directus/cli.js');
}
