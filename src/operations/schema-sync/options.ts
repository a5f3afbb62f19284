import { z } from 'zod';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { triggerShape } from '../../lib/options/trigger.js';
import { runShape } from '../../lib/options/run.js';
import { leaseShape } from '../../lib/options/lease.js';
import { flowBoolean, flowEnum, flowText } from '../../lib/options/flow-values.js';
import { collectionScopeShape } from '../../lib/options/scope.js';

export const schemaSyncOptions = z.object({
	...destinationOptionsShape,
	...triggerShape,
	...runShape,
	...leaseShape,
	...collectionScopeShape,
	/** Compare only: nothing is written anywhere. */
	dryRun: flowBoolean(true),
	/** Accept a Directus version or database vendor mismatch. */
	force: flowBoolean(false),
	/** merge never deletes on the destination; mirror also deletes what the source does not have. */
	mode: flowEnum(['merge', 'mirror'] as const, 'merge'),
	/** The `hash` of a reviewed dry run: apply only if the destination's schema is still that one. */
	expectedHash: flowText(),
});

export type SchemaSyncOptions = z.output<typeof schemaSyncOptions>;
