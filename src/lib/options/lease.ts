import { flowEnum, flowInteger } from './flow-values.js';

/**
 * The options of every operation that writes to the destination: what a run does when another run
 * holds the destination's lease, and how long a lease outlives its last renewal (see lib/lease).
 */
export const leaseShape = {
	/** wait: queue up to waitSeconds, then ALREADY_RUNNING; skip: resolve `{ skipped: true, … }`; fail: ALREADY_RUNNING at once. */
	whenBusy: flowEnum(['wait', 'skip', 'fail'] as const, 'wait'),
	waitSeconds: flowInteger({ min: 0, max: 86_400, fallback: 600 }),
	/** A lease not renewed for this long (its run was killed) is taken over by the next run. */
	leaseSeconds: flowInteger({ min: 3, max: 3_600, fallback: 120 }),
};
