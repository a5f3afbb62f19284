import { z } from 'zod';
import { assertDestinationAllowed, listSetting, networkPolicyFrom, type NetworkPolicy, type Resolve } from '../destination/network-policy.js';
import { MigrationError } from '../errors.js';
import { flowInteger, flowText } from './flow-values.js';

export const DEFAULT_URL_ENV = 'MIGRATION_DESTINATION_URL';
export const DEFAULT_TOKEN_ENV = 'MIGRATION_DESTINATION_TOKEN';
/** Environment variables a Flow may name in destinationTokenEnv: this prefix, and the names listed in TOKEN_ENV_ALLOW_LIST. */
export const TOKEN_ENV_PREFIX = 'MIGRATION_';
export const TOKEN_ENV_ALLOW_LIST = 'MIGRATION_TOKEN_ENV_ALLOW_LIST';

/** The options every operation has for reaching the destination. */
export const destinationOptionsShape = {
	destinationUrl: flowText(),
	destinationTokenEnv: flowText(),
	destinationToken: flowText(),
	retries: flowInteger({ min: 0, max: 10, fallback: 5 }),
	requestsPerSecond: flowInteger({ min: 0, max: 1000, fallback: 0 }),
	timeoutSeconds: flowInteger({ min: 1, max: 3600, fallback: 120 }),
};

const destinationOptions = z.object(destinationOptionsShape);
export type DestinationOptions = z.output<typeof destinationOptions>;

export interface Destination {
	url: string;
	host: string;
	token: string;
	retries: number;
	requestsPerSecond: number;
	timeoutMs: number;
	/** Which addresses the client may connect to (checked again on every connection). */
	policy: NetworkPolicy;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Only names written like environment variables are echoed in errors: a pasted token never is. */
const ECHOABLE_ENV_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

type Env = Record<string, unknown>;

function readEnv(env: Env, name: string): string | undefined {
	const value = env[name] ?? process.env[name];
	if (value === undefined || value === null) return undefined;
	const text = String(value).trim();
	return text === '' ? undefined : text;
}

/**
 * Turns the options and the source's environment into a destination, before any request is made:
 * the token comes only from a variable the administrator allowed (or a literal that is no variable's
 * value), and the host must be one the source's network policy allows.
 */
export async function resolveDestination(options: DestinationOptions, env: Env, resolve?: Resolve): Promise<Destination> {
	const rawUrl = options.destinationUrl ?? readEnv(env, DEFAULT_URL_ENV);
	if (!rawUrl) {
		throw new MigrationError(
			'INVALID_OPTIONS',
			`destinationUrl: no destination URL. Set the option or the ${DEFAULT_URL_ENV} environment variable of the source Directus.`,
			{ details: { problems: [{ option: 'destinationUrl', problem: 'missing' }] } },
		);
	}
	let parsed: URL;
	try {
		parsed = new URL(rawUrl);
	} catch {
		throw new MigrationError('INVALID_OPTIONS', `destinationUrl: "${rawUrl}" is not a valid URL.`, {
			details: { problems: [{ option: 'destinationUrl', problem: 'not a URL' }] },
		});
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		throw new MigrationError('INVALID_OPTIONS', `destinationUrl: must start with http:// or https://.`, {
			details: { problems: [{ option: 'destinationUrl', problem: 'not http(s)' }] },
		});
	}
	if (parsed.username || parsed.password || parsed.search || parsed.hash) {
		throw new MigrationError(
			'INVALID_OPTIONS',
			'destinationUrl: give the base URL only, without credentials, query or fragment.',
			{ details: { problems: [{ option: 'destinationUrl', problem: 'not a base URL' }] } },
		);
	}
	const url = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
	const token = resolveToken(options, env);
	const policy = networkPolicyFrom(env);
	await assertDestinationAllowed(parsed, policy, resolve);

	return {
		url,
		host: parsed.host,
		token,
		retries: options.retries,
		requestsPerSecond: options.requestsPerSecond,
		timeoutMs: options.timeoutSeconds * 1000,
		policy,
	};
}

/** Whether a Flow may name `name` in destinationTokenEnv (MIGRATION_ names, and those the administrator listed). */
export function isAllowedTokenEnv(name: string, env: Env): boolean {
	return name.startsWith(TOKEN_ENV_PREFIX) || listSetting(env[TOKEN_ENV_ALLOW_LIST] ?? process.env[TOKEN_ENV_ALLOW_LIST]).includes(name);
}

/** Values shorter than this are too common ("true", "8055") to say a token was copied from them. */
const MIN_SECRET_LENGTH = 8;

/**
 * Whether a literal token is the value of an environment variable of the source a Flow may not name
 * (a `{{$env.SECRET}}` rendered into the option, allowed by a broad FLOWS_ENV_ALLOW_LIST).
 */
export function isValueOfForbiddenEnv(token: string, env: Env): boolean {
	if (token.length < MIN_SECRET_LENGTH) return false;
	for (const source of [env, process.env as Env]) {
		for (const [name, value] of Object.entries(source)) {
			if (value === undefined || value === null || isAllowedTokenEnv(name, env)) continue;
			if (String(value).trim() === token) return true;
		}
	}
	return false;
}

function resolveToken(options: DestinationOptions, env: Env): string {
	if (options.destinationToken) {
		if (isValueOfForbiddenEnv(options.destinationToken, env)) {
			throw new MigrationError(
				'INVALID_OPTIONS',
				`destinationToken: holds the value of an environment variable of the source that Flows may not use. Put the destination's token in a variable whose name starts with ${TOKEN_ENV_PREFIX} (or is listed in ${TOKEN_ENV_ALLOW_LIST}) and name it in destinationTokenEnv.`,
				{ details: { problems: [{ option: 'destinationToken', problem: 'the value of a source environment variable that is not allowed' }] } },
			);
		}
		return options.destinationToken;
	}
	const name = options.destinationTokenEnv ?? DEFAULT_TOKEN_ENV;
	if (!ENV_NAME.test(name)) {
		throw new MigrationError(
			'INVALID_OPTIONS',
			'destinationTokenEnv: must be the NAME of an environment variable (letters, digits and _), not a token.',
			{ details: { problems: [{ option: 'destinationTokenEnv', problem: 'not an environment variable name' }] } },
		);
	}
	if (!isAllowedTokenEnv(name, env)) {
		const shown = ECHOABLE_ENV_NAME.test(name) ? `"${name}"` : '(name not shown)';
		throw new MigrationError(
			'INVALID_OPTIONS',
			`destinationTokenEnv: ${shown} is not a variable Flows may read. The source's administrator allows names starting with ${TOKEN_ENV_PREFIX} and the names listed in ${TOKEN_ENV_ALLOW_LIST}.`,
			{ details: { problems: [{ option: 'destinationTokenEnv', problem: 'not an allowed environment variable' }] } },
		);
	}
	const token = readEnv(env, name);
	if (!token) {
		const shown = ECHOABLE_ENV_NAME.test(name) ? `"${name}"` : '(name not shown)';
		throw new MigrationError(
			'INVALID_OPTIONS',
			`destinationTokenEnv: the environment variable ${shown} is not set on the source Directus. Set it to an admin token of the destination.`,
			{ details: { problems: [{ option: 'destinationTokenEnv', problem: 'environment variable not set' }] } },
		);
	}
	return token;
}
