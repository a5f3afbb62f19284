import { z } from 'zod';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { triggerShape } from '../../lib/options/trigger.js';
import { executionShape, fileTransferShape, planShape } from '../../lib/options/execution.js';

export const transferFilesOptions = z.object({
	...destinationOptionsShape,
	...triggerShape,
	...planShape,
	...executionShape,
	...fileTransferShape,
});
