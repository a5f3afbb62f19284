import { defineOperationApp } from '@directus/extensions-sdk';
import { destinationFields, destinationOverview, listText, selectionFields, triggerFields } from '../../lib/panel/fields.js';

export default defineOperationApp({
	id: 'migration-extract',
	name: 'Migration: extract',
	icon: 'manage_search',
	description: 'Decides which items and files move to the destination and returns the plan. Writes nothing.',
	overview: (options) => [
		...destinationOverview(options),
		{ label: 'Collections', text: listText(options?.collections, 'All') },
		{ label: 'Updated after', text: options?.updatedAfter || 'Any time' },
	],
	options: [
		...destinationFields(),
		...selectionFields(),
		{
			field: 'batchSize',
			name: 'Batch size',
			type: 'integer',
			schema: { default_value: 100 },
			meta: { width: 'half', interface: 'input', options: { min: 1, max: 1000 }, note: 'Items read per query while counting (1–1000).' },
		},
		...triggerFields(),
	],
});
