import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { destinationOptionsShape, resolveDestination } from '../../src/lib/options/destination.js';

const parse = (options: Record<string, unknown>) => z.object(destinationOptionsShape).parse(options);
const failureOf = (run: () => unknown): any => {
	try {
		run();
	} catch (error) {
		return error;
	}
	throw new Error('expected a failure');
};

describe('resolving the destination', () => {
	it('takes the URL and token from the environment by default', () => {
		const destination = resolveDestination(parse({}), {
			MIGRATION_DESTINATION_URL: 'https://dest.example.com/',
			MIGRATION_DESTINATION_TOKEN: 'secret-token',
		});
		expect(destination).toMatchObject({ url: 'https://dest.example.com', host: 'dest.example.com', token: 'secret-token' });
	});

	it('reads the token from the environment variable the options name', () => {
		const destination = resolveDestination(parse({ destinationUrl: 'http://127.0.0.1:8056', destinationTokenEnv: 'STAGING_TOKEN' }), {
			STAGING_TOKEN: 'abc123',
		});
		expect(destination.token).toBe('abc123');
		expect(destination.url).toBe('http://127.0.0.1:8056');
	});

	it('keeps a path prefix of the URL', () => {
		const destination = resolveDestination(parse({ destinationUrl: 'https://example.com/directus/' }), { MIGRATION_DESTINATION_TOKEN: 't' });
		expect(destination.url).toBe('https://example.com/directus');
	});

	it('refuses a missing or malformed URL, naming destinationUrl', () => {
		expect(failureOf(() => resolveDestination(parse({}), { MIGRATION_DESTINATION_TOKEN: 't' })).message).toContain('destinationUrl');
		expect(failureOf(() => resolveDestination(parse({ destinationUrl: 'ftp://x' }), {})).message).toContain('destinationUrl');
		expect(failureOf(() => resolveDestination(parse({ destinationUrl: 'https://u:p@x' }), {})).code).toBe('INVALID_OPTIONS');
	});

	it('refuses an unset token variable, and never echoes what looks like a token', () => {
		const unset = failureOf(() => resolveDestination(parse({ destinationUrl: 'https://x', destinationTokenEnv: 'MY_TOKEN' }), {}));
		expect(unset.code).toBe('INVALID_OPTIONS');
		expect(unset.message).toContain('MY_TOKEN');

		const pasted = failureOf(() =>
			resolveDestination(parse({ destinationUrl: 'https://x', destinationTokenEnv: 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY' }), {}),
		);
		expect(pasted.message).not.toContain('aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY');

		const notAName = failureOf(() => resolveDestination(parse({ destinationUrl: 'https://x', destinationTokenEnv: 'has-dash.and.dots' }), {}));
		expect(notAName.message).not.toContain('has-dash.and.dots');
		expect(notAName.message).toContain('destinationTokenEnv');
	});

	it('prefers a literal token option over the environment', () => {
		const destination = resolveDestination(parse({ destinationUrl: 'https://x', destinationToken: 'literal' }), {
			MIGRATION_DESTINATION_TOKEN: 'from-env',
		});
		expect(destination.token).toBe('literal');
	});
});
