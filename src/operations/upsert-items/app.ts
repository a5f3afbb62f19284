import { defineOperationApp } from '@directus/extensions-sdk';
import { destinationFields, destinationOverview, executionFields, planField, upsertFields, yesNo } from '../../lib/panel/fields.js';

export default defineOperationApp({
	id: 'migration-upsert-items',
	name: 'Migration: upsert items',
	icon: 'sync_alt',
	description: "Writes a plan's items to the destination: creates what is missing, updates what differs, leaves the rest untouched.",
	overview: (options) => [
		...destinationOverview(options),
		{ label: 'Plan', text: options?.plan || 'Previous step' },
		{ label: 'Dry run', text: yesNo(options?.dryRun, false) },
	],
	options: [
		...destinationFields(),
		planField(),
		...executionFields({ dryRunNote: 'Count what would be created, updated and deleted; write nothing.' }),
		...upsertFields(),
	],
});
