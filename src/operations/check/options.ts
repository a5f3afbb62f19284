import { z } from 'zod';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { triggerShape } from '../../lib/options/trigger.js';
import { flowBoolean } from '../../lib/options/flow-values.js';
import { collectionScopeShape } from '../../lib/options/scope.js';

export const checkOptions = z.object({
	...destinationOptionsShape,
	...triggerShape,
	...collectionScopeShape,
	/** Accept a Directus version or database vendor mismatch. */
	force: flowBoolean(false),
});

export type CheckOptions = z.output<typeof checkOptions>;
