import { z } from 'zod';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { flowBoolean, flowInteger } from '../../lib/options/flow-values.js';
import { triggerShape } from '../../lib/options/trigger.js';
import { runShape } from '../../lib/options/run.js';
import { leaseShape } from '../../lib/options/lease.js';

export const rollbackOptions = z.object({
	...destinationOptionsShape,
	...triggerShape,
	...runShape,
	...leaseShape,
	/** The run to undo (its `runId`); empty: the last writing run to this destination not yet rolled back. */
	run: flowInteger({ min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 }),
	/** List what would change and the conflicts; write nothing. On by default. */
	dryRun: flowBoolean(true),
	/** Restore rows changed on the destination since the run too (they are conflicts otherwise, left alone). */
	force: flowBoolean(false),
	concurrency: flowInteger({ min: 1, max: 8, fallback: 2 }),
});
