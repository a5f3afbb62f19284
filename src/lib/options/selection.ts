import { flowBoolean, flowJsonObject, flowKeyList, flowText } from './flow-values.js';
import { collectionScopeShape } from './scope.js';

/** The options that choose what content moves (extract and migrate-tables). */
export const selectionShape = {
	...collectionScopeShape,
	/** ISO date-time, or "auto" (changes since the last complete sync to this destination). */
	updatedAfter: flowText(),
	keys: flowKeyList(),
	filter: flowJsonObject(),
	includeRelated: flowBoolean(false),
	includeFiles: flowBoolean(true),
};
