import { z } from 'zod';
import { MigrationError } from '../errors.js';
import { flowInteger, flowText } from './flow-values.js';

export const DEFAULT_URL_ENV = 'MIGRATION_DESTINATION_URL';
export const DEFAULT_TOKEN_ENV = 'MIGRATION_DESTINATION_TOKEN';

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

/** Turns the options and the source's environment into a destination, before any request is made. */
export function resolveDestination(options: DestinationOptions, env: Env): Destination {
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

	return {
		url,
		host: parsed.host,
		token: resolveToken(options, env),
		retries: options.retries,
		requestsPerSecond: options.requestsPerSecond,
		timeoutMs: options.timeoutSeconds * 1000,
	};
}

function resolveToken(options: DestinationOptions, env: Env): string {
	if (options.destinationToken) return options.destinationToken;
	const name = options.destinationTokenEnv ?? DEFAULT_TOKEN_ENV;
	if (!ENV_NAME.test(name)) {
		throw new MigrationError(
			'INVALID_OPTIONS',
			'destinationTokenEnv: must be the NAME of an environment variable (letters, digits and _), not a token.',
			{ details: { problems: [{ option: 'destinationTokenEnv', problem: 'not an environment variable name' }] } },
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
