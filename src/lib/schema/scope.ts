import type { Snapshot } from '@directus/types';
import { invalidOptions } from '../errors.js';
import { collectionNameProblems, type CollectionScope } from '../options/scope.js';

/**
 * The user collections a scope selects, checked against the source: every named collection must exist
 * and be a user collection. `excludeCollections` wins over `collections`. `null` = every collection.
 * Folders (groups) that hold a selected collection are selected too, so the schema stays applicable.
 */
export function resolveCollectionScope(snapshot: Pick<Snapshot, 'collections'>, scope: CollectionScope): Set<string> | null {
	const known = new Map(snapshot.collections.map((entry) => [entry.collection, entry]));
	const problems = collectionNameProblems(new Set(known.keys()), scope);
	if (problems.length > 0) throw invalidOptions(problems);

	let selected: Set<string>;
	if (scope.excludeCollections.length > 0) {
		const excluded = new Set(scope.excludeCollections);
		selected = new Set([...known.keys()].filter((name) => !excluded.has(name)));
	} else if (scope.collections.length > 0) {
		selected = new Set(scope.collections);
	} else {
		return null;
	}

	for (const name of [...selected]) {
		let group = known.get(name)?.meta?.group ?? null;
		while (group && !selected.has(group)) {
			selected.add(group);
			group = known.get(group)?.meta?.group ?? null;
		}
	}
	return selected;
}
