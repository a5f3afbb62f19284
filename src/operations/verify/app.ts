import { defineOperationApp } from '@directus/extensions-sdk';
import { batchingFields, booleanField, collectionScopeFields, destinationFields, destinationOverview, itemChoiceFields, listText, triggerFields, leaseFields, yesNo } from '../../lib/panel/fields.js';

export default defineOperationApp({
	id: 'migration-verify',
	name: 'Migration: verify',
	icon: 'fact_check',
	description: 'Compares source and destination row by row (and files): resolves when they are equal, rejects with OUT_OF_SYNC and the differing keys when not.',
	overview: (options) => [
		...destinationOverview(options),
		{ label: 'Collections', text: listText(options?.collections, 'All') },
		{ label: 'Repair', text: yesNo(options?.repair, false) },
	],
	options: [
		...destinationFields(),
		...collectionScopeFields(),
		...itemChoiceFields('compare'),
		booleanField('deleteMissing', 'Delete missing', false, 'Destination items the source does not have make the result out of sync (and Repair deletes them). Off: they are only counted.'),
		booleanField('repair', 'Repair', false, 'Rewrite missing and differing items from the source, then compare again. Off: read only.'),
		booleanField('includeFiles', 'Include files', false, 'Also compare the files the items reference: metadata, size and the bytes (sha256).'),
		booleanField('compareAuthorship', 'Compare authorship', false, 'Also compare date_created and user_created (on when the migration ran with Preserve authorship).'),
		...batchingFields({ name: 'Chunk size', unit: 'Chunks', fallback: 500, note: 'Items compared per chunk' }, 4),
		...leaseFields(),
		...triggerFields(),
	],
});
