import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertTriggerAllowed, isPublicTrigger, triggerShape } from '../../src/lib/options/trigger.js';

/** What Directus 12 hands a Flow's operations as `accountability`, by how the Flow was started. */
const PUBLIC_WEBHOOK = { user: null, role: null, roles: [], admin: false, app: false, ip: '127.0.0.1' };
const ADMIN_WEBHOOK = { user: 'a9f1', role: 'r1', roles: ['r1'], admin: true, app: true };
const EDITOR_WEBHOOK = { user: 'b7c2', role: 'r2', roles: ['r2'], admin: false, app: true };
const SCHEDULE = null;

describe('who may start a migration', () => {
	it('refuses a webhook called without a token with FORBIDDEN', () => {
		expect(isPublicTrigger(PUBLIC_WEBHOOK)).toBe(true);
		expect(() => assertTriggerAllowed(PUBLIC_WEBHOOK, false)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
	});

	it('lets a schedule, a system event and authenticated callers (admin or not) run', () => {
		for (const accountability of [SCHEDULE, undefined, ADMIN_WEBHOOK, EDITOR_WEBHOOK]) {
			expect(() => assertTriggerAllowed(accountability, false)).not.toThrow();
		}
	});

	it('lets a public call run when allowPublicTrigger is on', () => {
		expect(() => assertTriggerAllowed(PUBLIC_WEBHOOK, true)).not.toThrow();
	});

	it('keeps allowPublicTrigger off unless the Flow sets it', () => {
		const parse = (value: unknown) => z.object(triggerShape).parse({ allowPublicTrigger: value }).allowPublicTrigger;
		expect(parse(undefined)).toBe(false);
		expect(parse('')).toBe(false);
		expect(parse('true')).toBe(true);
	});
});
