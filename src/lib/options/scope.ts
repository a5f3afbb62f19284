import { flowStringList } from './flow-values.js';

/** Which user collections an operation works on: `collections` to include, `excludeCollections` to leave out. */
export const collectionScopeShape = {
	collections: flowStringList(),
	excludeCollections: flowStringList(),
};

export interface CollectionScope {
	collections: string[];
	excludeCollections: string[];
}
