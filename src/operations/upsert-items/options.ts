import { z } from 'zod';
import { flowBoolean } from '../../lib/options/flow-values.js';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { triggerShape } from '../../lib/options/trigger.js';
import { runShape } from '../../lib/options/run.js';
import { leaseShape } from '../../lib/options/lease.js';
import { executionShape, planShape, upsertShape } from '../../lib/options/execution.js';

export const upsertItemsOptions = z.object({
	...destinationOptionsShape,
	...triggerShape,
	...runShape,
	...leaseShape,
	...planShape,
	...executionShape,
	...upsertShape,
	verify: flowBoolean(false),
});
