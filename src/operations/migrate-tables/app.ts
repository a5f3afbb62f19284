import { defineOperationApp } from '@directus/extensions-sdk';
import {
	destinationFields,
	destinationOverview,
	executionFields,
	fileTransferFields,
	listText,
	selectionFields,
	upsertFields,
	triggerFields, leaseFields, notifyField, artifactsField,
	verifyField,
	yesNo,
} from '../../lib/panel/fields.js';

export default defineOperationApp({
	id: 'migration-migrate-tables',
	name: 'Migration: migrate tables',
	icon: 'move_up',
	description: 'Extract, transfer files and upsert items in one step.',
	overview: (options) => [
		...destinationOverview(options),
		{ label: 'Collections', text: listText(options?.collections, 'All') },
		{ label: 'Dry run', text: yesNo(options?.dryRun, false) },
	],
	options: [
		...destinationFields(),
		...selectionFields(),
		...executionFields({ dryRunNote: 'Return the full plan with counts to create, update and skip, and files to transfer; write nothing anywhere.' }),
		...fileTransferFields(),
		...upsertFields(),
		notifyField(),
		artifactsField(),
		...leaseFields(),
		...triggerFields(),
		verifyField(),
	],
});
