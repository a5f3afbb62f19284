import { z } from 'zod';
import { flowBoolean } from '../../lib/options/flow-values.js';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { triggerShape } from '../../lib/options/trigger.js';
import { runShape } from '../../lib/options/run.js';
import { leaseShape } from '../../lib/options/lease.js';
import { executionShape, fileTransferShape, upsertShape } from '../../lib/options/execution.js';
import { selectionShape } from '../../lib/options/selection.js';

export const migrateTablesOptions = z.object({
	...destinationOptionsShape,
	...triggerShape,
	...runShape,
	...leaseShape,
	...selectionShape,
	...executionShape,
	...fileTransferShape,
	...upsertShape,
	verify: flowBoolean(false),
});
