import { z } from 'zod';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { executionShape, upsertShape } from '../../lib/options/execution.js';
import { selectionShape } from '../../lib/options/selection.js';

export const migrateTablesOptions = z.object({
	...destinationOptionsShape,
	...selectionShape,
	...executionShape,
	...upsertShape,
});
