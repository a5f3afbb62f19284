import { z } from 'zod';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { triggerShape } from '../../lib/options/trigger.js';
import { notifyShape } from '../../lib/options/notify.js';
import { executionShape, planShape } from '../../lib/options/execution.js';

export const transferFilesOptions = z.object({
	...destinationOptionsShape,
	...triggerShape,
	...notifyShape,
	...planShape,
	...executionShape,
});
