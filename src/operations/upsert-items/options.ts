import { z } from 'zod';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { executionShape, planShape, upsertShape } from '../../lib/options/execution.js';

export const upsertItemsOptions = z.object({
	...destinationOptionsShape,
	...planShape,
	...executionShape,
	...upsertShape,
});
