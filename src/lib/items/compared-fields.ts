import type { CollectionModel } from '../plan/collection-model.js';

export type NotComparedReason = 'STAMPED_BY_DESTINATION' | 'HASHED_OR_CONCEALED';

export interface NotComparedField {
	field: string;
	reason: NotComparedReason;
}

/**
 * The fields the upsert and verify compare (one rule, so they never disagree). Directus stamps date_updated and
 * user_updated on every write (and date_created / user_created on create, unless the run restored
 * them: `compareAuthorship`); hashed and concealed fields are never read in clear. Those are named.
 * Through the receiver (`exactStamps`) the destination keeps the source's stamps, so they are compared.
 */
export function comparedFields(
	model: CollectionModel,
	options: { compareAuthorship: boolean; exactStamps?: boolean },
): { compared: string[]; notCompared: NotComparedField[] } {
	const { stamps } = model;
	// Written through the receiver, every stamp is the source's own: all of them are compared.
	const stamped = new Set(options.exactStamps ? [] : [
		...stamps.dateUpdated,
		...stamps.userUpdated,
		...(options.compareAuthorship ? [] : [...stamps.dateCreated, ...stamps.userCreated]),
	]);
	stamped.delete(model.primaryKey);
	const compared = model.fields.filter((field) => !stamped.has(field));
	const notCompared: NotComparedField[] = [
		...[...stamped].map((field) => ({ field, reason: 'STAMPED_BY_DESTINATION' as const })),
		...model.concealed.map((field) => ({ field, reason: 'HASHED_OR_CONCEALED' as const })),
	];
	return { compared, notCompared };
}
