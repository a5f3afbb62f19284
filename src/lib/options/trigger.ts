import { MigrationError } from '../errors.js';
import { flowBoolean } from './flow-values.js';

/** Every operation's guard against being started by anyone: off unless the Flow says otherwise. */
export const triggerShape = {
	allowPublicTrigger: flowBoolean(false),
};

/**
 * What a Flow hands its operations as `accountability`: null when Directus itself started the run (a
 * schedule, a system event), a user's accountability for an authenticated call, and the public
 * accountability (no user, not admin) for a webhook or event called without a token.
 */
export interface TriggerAccountability {
	user?: string | null;
	admin?: boolean;
}

/** A run started by a caller who proved no identity. */
export function isPublicTrigger(accountability: TriggerAccountability | null | undefined): boolean {
	if (accountability === null || accountability === undefined) return false;
	return !accountability.user && accountability.admin !== true;
}

/**
 * The source is read with full rights whoever started the Flow, so a run started without a token is
 * refused, before anything is read or written, unless the operation allows it explicitly.
 */
export function assertTriggerAllowed(accountability: TriggerAccountability | null | undefined, allowPublicTrigger: boolean): void {
	if (allowPublicTrigger || !isPublicTrigger(accountability)) return;
	throw new MigrationError(
		'FORBIDDEN',
		'This Flow was triggered without authentication (public access). A migration reads the source with full rights, so it only runs for an authenticated user, a schedule or a system event. Call the webhook with a token, or set allowPublicTrigger: true on the operation if anyone who can reach the webhook may start it.',
		{ status: 403 },
	);
}
