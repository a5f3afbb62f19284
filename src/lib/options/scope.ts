import type { OptionProblem } from '../errors.js';
import { isSystemCollection } from '../source.js';
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

/** What is wrong with the collections a scope names, given the source's user collections. */
export function collectionNameProblems(known: Set<string>, scope: CollectionScope): OptionProblem[] {
	const problems: OptionProblem[] = [];
	for (const [option, names] of [
		['collections', scope.collections],
		['excludeCollections', scope.excludeCollections],
	] as const) {
		for (const name of names) {
			if (isSystemCollection(name)) problems.push({ option, problem: `"${name}" is a Directus system collection` });
			else if (!known.has(name)) problems.push({ option, problem: `"${name}" is not a collection of the source` });
		}
	}
	return problems;
}
