import { z } from 'zod';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { triggerShape } from '../../lib/options/trigger.js';
import { executionShape, planShape, upsertShape } from '../../lib/options/execution.js';

export const upsertItemsOptions = z.object({
	...destinationOptionsShape,
	...triggerShape,
	...planShape,
	...executionShape,
	...upsertShape,
});
