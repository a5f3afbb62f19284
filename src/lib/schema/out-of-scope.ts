import type { Snapshot } from '@directus/types';
import type { Warning } from '../report.js';
import { isSystemCollection } from '../source.js';

/** Relations of the scope that point to a user collection outside it: applying them needs that collection. */
export function outOfScopeRelations(snapshot: Pick<Snapshot, 'relations'>, scope: Set<string> | null): Warning[] {
	if (scope === null) return [];
	return snapshot.relations
		.filter(
			(relation) =>
				relation.related_collection &&
				!isSystemCollection(relation.related_collection) &&
				!scope.has(relation.related_collection),
		)
		.map((relation) => ({
			code: 'RELATED_OUT_OF_SCOPE',
			collection: relation.collection,
			message: `${relation.collection}.${relation.field} relates to ${relation.related_collection}, which is outside the scope: it must already exist on the destination.`,
		}));
}
