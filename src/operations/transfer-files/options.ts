import { z } from 'zod';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { triggerShape } from '../../lib/options/trigger.js';
import { leaseShape } from '../../lib/options/lease.js';
import { executionShape, fileTransferShape, planShape } from '../../lib/options/execution.js';

export const transferFilesOptions = z.object({
	...destinationOptionsShape,
	...triggerShape,
	...leaseShape,
	...planShape,
	...executionShape,
	...fileTransferShape,
});
