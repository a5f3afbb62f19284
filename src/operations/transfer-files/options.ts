import { z } from 'zod';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { executionShape, planShape } from '../../lib/options/execution.js';

export const transferFilesOptions = z.object({
	...destinationOptionsShape,
	...planShape,
	...executionShape,
});
