import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { destinationOptionsShape, resolveDestination } from '../../src/lib/options/destination.js';

const parse = (options: Record<string, unknown>) => z.object(destinationOptionsShape).parse(options);
/** Host names resolve to a public documentation address here: no DNS is asked. */
const resolvePublic = async () => ['203.0.113.10'];
const resolve = (options: Record<string, unknown>, env: Record<string, unknown>) => resolveDestination(parse(options), env, resolvePublic);
const failureOf = async (run: () => Promise<unknown>): Promise<any> => {
	try {
		await run();
	} catch (error) {
		return error;
	}
	throw new Error('expected a failure');
};

describe('resolving the destination', () => {
	it('takes the URL and token from the environment by default', async () => {
		const destination = await resolve({}, {
			MIGRATION_DESTINATION_URL: 'https://dest.example.com/',
			MIGRATION_DESTINATION_TOKEN: 'secret-token',
		});
		expect(destination).toMatchObject({ url: 'https://dest.example.com', host: 'dest.example.com', token: 'secret-token' });
	});

	it('reads the token from the MIGRATION_ environment variable the options name', async () => {
		const destination = await resolve({ destinationUrl: 'http://dest.example.com:8056', destinationTokenEnv: 'MIGRATION_STAGING_TOKEN' }, {
			MIGRATION_STAGING_TOKEN: 'abc123',
		});
		expect(destination.token).toBe('abc123');
		expect(destination.url).toBe('http://dest.example.com:8056');
	});

	it('keeps a path prefix of the URL', async () => {
		const destination = await resolve({ destinationUrl: 'https://example.com/directus/' }, { MIGRATION_DESTINATION_TOKEN: 't' });
		expect(destination.url).toBe('https://example.com/directus');
	});

	it('refuses a missing or malformed URL, naming destinationUrl', async () => {
		expect((await failureOf(() => resolve({}, { MIGRATION_DESTINATION_TOKEN: 't' }))).message).toContain('destinationUrl');
		expect((await failureOf(() => resolve({ destinationUrl: 'ftp://x' }, {}))).message).toContain('destinationUrl');
		expect((await failureOf(() => resolve({ destinationUrl: 'https://u:p@x' }, {}))).code).toBe('INVALID_OPTIONS');
	});

	it('refuses an unset token variable, and never echoes what looks like a token', async () => {
		const unset = await failureOf(() => resolve({ destinationUrl: 'https://x', destinationTokenEnv: 'MIGRATION_MY_TOKEN' }, {}));
		expect(unset.code).toBe('INVALID_OPTIONS');
		expect(unset.message).toContain('MIGRATION_MY_TOKEN');

		const pasted = await failureOf(() => resolve({ destinationUrl: 'https://x', destinationTokenEnv: 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY' }, {}));
		expect(pasted.message).not.toContain('aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY');

		const notAName = await failureOf(() => resolve({ destinationUrl: 'https://x', destinationTokenEnv: 'has-dash.and.dots' }, {}));
		expect(notAName.message).not.toContain('has-dash.and.dots');
		expect(notAName.message).toContain('destinationTokenEnv');
	});

	it('prefers a literal token option over the environment', async () => {
		const destination = await resolve({ destinationUrl: 'https://x', destinationToken: 'literal' }, { MIGRATION_DESTINATION_TOKEN: 'from-env' });
		expect(destination.token).toBe('literal');
	});
});

describe('which environment variables a Flow may send as the token', () => {
	const env = { SECRET: 'directus-signing-secret', DB_PASSWORD: 'database-password', OTHER_TOKEN: 'other-token-value' };

	it.each(['SECRET', 'KEY', 'DB_PASSWORD', 'STORAGE_S3_SECRET', 'EMAIL_SMTP_PASSWORD', 'ADMIN_TOKEN'])(
		'refuses %s, without echoing its value',
		async (name) => {
			const failure = await failureOf(() => resolve({ destinationUrl: 'https://x', destinationTokenEnv: name }, env));
			expect(failure.code).toBe('INVALID_OPTIONS');
			expect(failure.message).toContain('MIGRATION_TOKEN_ENV_ALLOW_LIST');
			expect(JSON.stringify(failure.toJSON())).not.toMatch(/directus-signing-secret|database-password/);
		},
	);

	it('allows a name the administrator listed in MIGRATION_TOKEN_ENV_ALLOW_LIST', async () => {
		const destination = await resolve(
			{ destinationUrl: 'https://x', destinationTokenEnv: 'OTHER_TOKEN' },
			{ ...env, MIGRATION_TOKEN_ENV_ALLOW_LIST: 'STAGING_TOKEN, OTHER_TOKEN' },
		);
		expect(destination.token).toBe('other-token-value');
	});

	it('refuses a literal token that is the value of a variable Flows may not name', async () => {
		const failure = await failureOf(() => resolve({ destinationUrl: 'https://x', destinationToken: 'directus-signing-secret' }, env));
		expect(failure.code).toBe('INVALID_OPTIONS');
		expect(failure.details.problems[0].option).toBe('destinationToken');
		expect(failure.message).not.toContain('directus-signing-secret');
	});

	it('accepts a literal token equal to an allowed MIGRATION_ variable', async () => {
		const destination = await resolve({ destinationUrl: 'https://x', destinationToken: 'migration-token-1' }, { MIGRATION_DESTINATION_TOKEN: 'migration-token-1' });
		expect(destination.token).toBe('migration-token-1');
	});
});

describe('which destinations the token may be sent to', () => {
	const token = { MIGRATION_DESTINATION_TOKEN: 'tok' };

	it("refuses the cloud metadata address with Directus's default deny list", async () => {
		const failure = await failureOf(() => resolve({ destinationUrl: 'http://169.254.169.254' }, token));
		expect(failure.code).toBe('INVALID_OPTIONS');
		expect(failure.message).toContain('IMPORT_IP_DENY_LIST');
	});

	it("refuses this machine's own addresses (0.0.0.0 in the default deny list), loopback included", async () => {
		for (const url of ['http://127.0.0.1:8055', 'http://127.0.0.3', 'http://[::1]:8055']) {
			expect((await failureOf(() => resolve({ destinationUrl: url }, token))).code, url).toBe('INVALID_OPTIONS');
		}
	});

	it('refuses a host name that resolves to a denied address', async () => {
		const failure = await failureOf(() =>
			resolveDestination(parse({ destinationUrl: 'https://sneaky.example.com' }), token, async () => ['203.0.113.5', '169.254.169.254']),
		);
		expect(failure.message).toContain('sneaky.example.com (169.254.169.254)');
	});

	it('reaches loopback when the administrator narrowed IMPORT_IP_DENY_LIST', async () => {
		const destination = await resolve({ destinationUrl: 'http://127.0.0.1:8055' }, { ...token, IMPORT_IP_DENY_LIST: '169.254.169.254' });
		expect(destination.url).toBe('http://127.0.0.1:8055');
	});

	it('honours MIGRATION_DESTINATION_ALLOW_LIST: nothing else is reachable', async () => {
		const env = { ...token, MIGRATION_DESTINATION_ALLOW_LIST: 'https://prod.example.com, staging.example.com:8443, *.eu.example.com' };
		await expect(resolve({ destinationUrl: 'https://prod.example.com' }, env)).resolves.toMatchObject({ host: 'prod.example.com' });
		await expect(resolve({ destinationUrl: 'https://staging.example.com:8443' }, env)).resolves.toBeDefined();
		await expect(resolve({ destinationUrl: 'https://a.eu.example.com' }, env)).resolves.toBeDefined();
		for (const url of ['http://prod.example.com', 'https://staging.example.com', 'https://evil.example.net', 'https://eu.example.com.evil.net']) {
			const failure = await failureOf(() => resolve({ destinationUrl: url }, env));
			expect(failure.message, url).toContain('MIGRATION_DESTINATION_ALLOW_LIST');
		}
	});
});
