import { MigrationError } from '../errors.js';

/** What the system migration can carry, in the order it runs (each scope only needs earlier ones). */
export const SYSTEM_SCOPES = [
	'folders',
	'users',
	'translations',
	'settings',
	'comments',
	'presets',
	'dashboards',
	'flows',
	'extensions',
] as const;

export type SystemScope = (typeof SYSTEM_SCOPES)[number];

export const DEFAULT_SCOPE_ENV = 'MIGRATION_DEFAULT_SCOPE';

/**
 * The scopes a run covers, in run order: the option if given, else the comma-separated
 * MIGRATION_DEFAULT_SCOPE of the source's environment, else every scope. Unknown names are refused.
 */
export function resolveSystemScopes(selected: string[], env: Record<string, unknown>): SystemScope[] {
	const fromEnv = String(env[DEFAULT_SCOPE_ENV] ?? process.env[DEFAULT_SCOPE_ENV] ?? '')
		.split(',')
		.map((name) => name.trim())
		.filter((name) => name !== '');
	const option = selected.length > 0 ? 'scope' : DEFAULT_SCOPE_ENV;
	const names = selected.length > 0 ? selected : fromEnv;
	if (names.length === 0) return [...SYSTEM_SCOPES];
	const unknown = names.filter((name) => !(SYSTEM_SCOPES as readonly string[]).includes(name));
	if (unknown.length > 0) {
		const problem = `unknown scope ${unknown.map((name) => `"${name}"`).join(', ')}; known: ${SYSTEM_SCOPES.join(', ')}`;
		throw new MigrationError('INVALID_OPTIONS', `Invalid options. ${option}: ${problem}`, {
			details: { problems: [{ option, problem }] },
		});
	}
	return SYSTEM_SCOPES.filter((scope) => names.includes(scope));
}
