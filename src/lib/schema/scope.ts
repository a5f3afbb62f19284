import type { Snapshot } from '@directus/types';
import { MigrationError } from '../errors.js';
import type { CollectionScope } from '../options/scope.js';
import { isSystemCollection } from '../source.js';

/**
 * The user collections a scope selects, checked against the source: every named collection must exist
 * and be a user collection. `excludeCollections` wins over `collections`. `null` = every collection.
 * Folders (groups) that hold a selected collection are selected too, so the schema stays applicable.
 */
export function resolveCollectionScope(snapshot: Pick<Snapshot, 'collections'>, scope: CollectionScope): Set<string> | null {
	const known = new Map(snapshot.collections.map((entry) => [entry.collection, entry]));
	const problems: { option: string; problem: string }[] = [];
	for (const [option, names] of [
		['collections', scope.collections],
		['excludeCollections', scope.excludeCollections],
	] as const) {
		for (const name of names) {
			if (isSystemCollection(name)) problems.push({ option, problem: `"${name}" is a Directus system collection` });
			else if (!known.has(name)) problems.push({ option, problem: `"${name}" is not a collection of the source` });
		}
	}
	if (problems.length > 0) {
		const message = problems.map(({ option, problem }) => `${option}: ${problem}`).join('; ');
		throw new MigrationError('INVALID_OPTIONS', `Invalid options. ${message}`, { details: { problems } });
	}

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
