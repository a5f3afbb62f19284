import { z } from 'zod';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { triggerShape } from '../../lib/options/trigger.js';
import { runShape } from '../../lib/options/run.js';
import { leaseShape } from '../../lib/options/lease.js';
import { executionShape, fileTransferShape, planShape } from '../../lib/options/execution.js';

export const transferFilesOptions = z.object({
	...destinationOptionsShape,
	...triggerShape,
	...runShape,
	...leaseShape,
	...planShape,
	...executionShape,
	...fileTransferShape,
});
