import { defineOperationApp } from '@directus/extensions-sdk';
import { booleanField, collectionScopeFields, destinationFields, destinationOverview, listText, yesNo, triggerFields } from '../../lib/panel/fields.js';

export default defineOperationApp({
	id: 'migration-check',
	name: 'Migration: check destination',
	icon: 'fact_check',
	description: 'Checks that the destination Directus is reachable, admin, the same version and database, and whether its schema matches.',
	overview: (options) => [
		...destinationOverview(options),
		{ label: 'Collections', text: listText(options?.collections, 'All') },
		{ label: 'Force', text: yesNo(options?.force, false) },
	],
	options: [
		...destinationFields(),
		...collectionScopeFields(),
		booleanField('force', 'Force', false, 'Accept a different Directus version or database vendor. The result says it was forced.'),
		...triggerFields(),
	],
});
