import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureServer } from '../harness/capture-server.ts';
import { withFlow } from '../harness/flows.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { placesHoldingSecret } from '../harness/secrets.ts';

/**
 * Issue 15: the source's secrets stay home. Each rule is tried the way someone who may edit a Flow
 * but is no administrator would: a capture server on a loopback address records whatever the source
 * sends it, and must receive nothing (or, for the allowed cases, exactly the allowed token).
 */
const SMTP_PASSWORD = 'smtp-password-of-the-source-4f1c9e';
const STAGING_TOKEN = 'staging-token-allowed-by-the-admin-7d2a';
const DENIED = '127.0.0.3';

let pair: Pair;
let attacker: CaptureServer; // 127.0.0.2: not denied, on the allow-list
let denied: CaptureServer; // 127.0.0.3: on IMPORT_IP_DENY_LIST
let redirectTarget: CaptureServer; // 127.0.0.4: where a redirect points
let redirector: CaptureServer; // 127.0.0.2 too: answers every request with a redirect to 127.0.0.4
let notAllowed: CaptureServer; // 127.0.0.5: not denied, not on the allow-list

const check = (options: Record<string, unknown>) =>
	withFlow(pair.source, [{ key: 'check', type: 'migration-check', options }], (flow) => flow.trigger());
const migrate = (options: Record<string, unknown>) =>
	withFlow(pair.source, [{ key: 'migrate', type: 'migration-migrate-tables', options }], (flow) => flow.trigger());

beforeAll(async () => {
	attacker = await new CaptureServer('127.0.0.2').start();
	denied = await new CaptureServer(DENIED).start();
	redirectTarget = await new CaptureServer('127.0.0.4').start();
	redirector = await new CaptureServer('127.0.0.2', (_request, response) => {
		response.writeHead(307, { Location: `${redirectTarget.url}/server/info` });
		response.end();
	}).start();
	notAllowed = await new CaptureServer('127.0.0.5').start();
	pair = await startPair({
		sourceEnv: {
			IMPORT_IP_DENY_LIST: `169.254.169.254,${DENIED}`,
			MIGRATION_DESTINATION_ALLOW_LIST: '127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4',
			MIGRATION_TOKEN_ENV_ALLOW_LIST: 'STAGING_TOKEN',
			STAGING_TOKEN,
			EMAIL_SMTP_PASSWORD: SMTP_PASSWORD,
		},
	});
});
afterAll(async () => {
	await pair?.stop();
	for (const server of [attacker, denied, redirectTarget, redirector, notAllowed]) await server?.stop();
});

describe('destinationTokenEnv names only variables the administrator allowed', () => {
	it('a Flow naming EMAIL_SMTP_PASSWORD is refused before any request, and the password goes nowhere', async () => {
		const run = await migrate({ destinationUrl: attacker.url, destinationTokenEnv: 'EMAIL_SMTP_PASSWORD' });
		expect(run.resolved).toBe(false);
		expect(run.last).toMatchObject({ code: 'INVALID_OPTIONS' });
		expect(run.last.message).toContain('MIGRATION_TOKEN_ENV_ALLOW_LIST');
		expect(attacker.received).toEqual([]);
		expect(await placesHoldingSecret(pair.source, SMTP_PASSWORD)).toEqual([]);
	});

	it('a name listed in MIGRATION_TOKEN_ENV_ALLOW_LIST is sent, and only to an allowed host', async () => {
		const run = await check({ destinationUrl: attacker.url, destinationTokenEnv: 'STAGING_TOKEN' });
		expect(run.resolved).toBe(false);
		expect(run.last.code).toBe('NOT_DIRECTUS');
		expect(attacker.received.length).toBeGreaterThan(0);
		expect(attacker.received.every((request) => request.authorization === `Bearer ${STAGING_TOKEN}`)).toBe(true);
		attacker.received.length = 0;
	});

	it('a literal destinationToken holding the value of a forbidden variable is refused', async () => {
		const run = await check({ destinationUrl: attacker.url, destinationToken: SMTP_PASSWORD });
		expect(run.last).toMatchObject({ code: 'INVALID_OPTIONS' });
		expect(run.last.details.problems[0].option).toBe('destinationToken');
		expect(attacker.received).toEqual([]);
	});
});

describe('destinations', () => {
	it('a destination on IMPORT_IP_DENY_LIST is refused before any request', async () => {
		const run = await migrate({ destinationUrl: denied.url });
		expect(run.last).toMatchObject({ code: 'INVALID_OPTIONS' });
		expect(run.last.message).toContain('IMPORT_IP_DENY_LIST');
		expect(denied.received).toEqual([]);
	});

	it('with MIGRATION_DESTINATION_ALLOW_LIST set, any other host is refused before any request', async () => {
		const run = await migrate({ destinationUrl: notAllowed.url });
		expect(run.last).toMatchObject({ code: 'INVALID_OPTIONS' });
		expect(run.last.message).toContain('MIGRATION_DESTINATION_ALLOW_LIST');
		expect(notAllowed.received).toEqual([]);
	});

	it('a redirect is never followed: the token does not reach the host it points to', async () => {
		const run = await check({ destinationUrl: redirector.url });
		expect(run.resolved).toBe(false);
		expect(JSON.stringify(run.last)).toContain('redirect');
		expect(redirector.received.length).toBeGreaterThan(0);
		expect(redirectTarget.received).toEqual([]);
	});

	it('the real destination, allowed by both lists, still migrates', async () => {
		const run = await check({});
		expect(run.resolved, JSON.stringify(run.last)).toBe(true);
		expect(await placesHoldingSecret(pair.source, pair.destination.token)).toEqual([]);
	});
});

describe("Directus's default IMPORT_IP_DENY_LIST", () => {
	let localPair: Pair;
	beforeAll(async () => {
		// 0.0.0.0 denies every address of this machine: a destination on loopback, by address or by name.
		localPair = await startPair({ sourceEnv: { IMPORT_IP_DENY_LIST: '0.0.0.0,169.254.169.254' } });
	});
	afterAll(async () => {
		await localPair?.stop();
	});

	it("refuses a destination whose host name resolves to this machine's own address", async () => {
		const port = new URL(localPair.destination.url).port;
		for (const destinationUrl of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
			const run = await withFlow(localPair.source, [{ key: 'check', type: 'migration-check', options: { destinationUrl } }], (flow) => flow.trigger());
			expect(run.last, destinationUrl).toMatchObject({ code: 'INVALID_OPTIONS' });
			expect(run.last.message).toContain('IMPORT_IP_DENY_LIST');
		}
		const activity = await localPair.destination.api<unknown[]>('GET', '/activity?limit=-1&filter[action][_neq]=login');
		expect(activity).toEqual([]);
	});
});
