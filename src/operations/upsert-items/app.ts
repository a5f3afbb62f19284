import { defineOperationApp } from '@directus/extensions-sdk';
import { destinationFields, executionFields, planField, planStepOverview, upsertFields, triggerFields, leaseFields, notifyField, artifactsField, verifyField } from '../../lib/panel/fields.js';

export default defineOperationApp({
	id: 'migration-upsert-items',
	name: 'Migration: upsert items',
	icon: 'sync_alt',
	description: "Writes a plan's items to the destination: creates what is missing, updates what differs, leaves the rest untouched.",
	overview: planStepOverview,
	options: [
		...destinationFields(),
		planField(),
		...executionFields({ dryRunNote: 'Count what would be created, updated and deleted; write nothing.' }),
		...upsertFields(),
		notifyField(),
		artifactsField(),
		...leaseFields(),
		...triggerFields(),
		verifyField(),
	],
});
