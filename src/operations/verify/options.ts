import { z } from 'zod';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { flowBoolean, flowInteger, flowJsonObject, flowKeyList } from '../../lib/options/flow-values.js';
import { collectionScopeShape } from '../../lib/options/scope.js';
import { triggerShape } from '../../lib/options/trigger.js';
import { leaseShape } from '../../lib/options/lease.js';

export const verifyOptions = z.object({
	...destinationOptionsShape,
	...collectionScopeShape,
	keys: flowKeyList(),
	filter: flowJsonObject(),
	deleteMissing: flowBoolean(false),
	repair: flowBoolean(false),
	includeFiles: flowBoolean(false),
	compareAuthorship: flowBoolean(false),
	batchSize: flowInteger({ min: 1, max: 1000, fallback: 500 }),
	concurrency: flowInteger({ min: 1, max: 8, fallback: 4 }),
	...triggerShape,
	...leaseShape,
});
