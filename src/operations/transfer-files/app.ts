import { defineOperationApp } from '@directus/extensions-sdk';
import { destinationFields, executionFields, fileTransferFields, planField, planStepOverview, triggerFields, leaseFields, notifyField, artifactsField } from '../../lib/panel/fields.js';

export default defineOperationApp({
	id: 'migration-transfer-files',
	name: 'Migration: transfer files',
	icon: 'perm_media',
	description: 'Streams the files a plan references, with their folders and metadata, to the destination (same ids).',
	overview: planStepOverview,
	options: [
		...destinationFields(),
		planField(),
		...executionFields({ dryRunNote: 'Count what would be transferred and skipped; write nothing.' }),
		...fileTransferFields(),
		notifyField(),
		artifactsField(),
		...leaseFields(),
		...triggerFields(),
	],
});
