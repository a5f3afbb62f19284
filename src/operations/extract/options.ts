import { z } from 'zod';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { triggerShape } from '../../lib/options/trigger.js';
import { executionShape } from '../../lib/options/execution.js';
import { selectionShape } from '../../lib/options/selection.js';

export const extractOptions = z.object({
	...destinationOptionsShape,
	...triggerShape,
	...selectionShape,
	batchSize: executionShape.batchSize,
});
