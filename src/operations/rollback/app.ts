import { defineOperationApp } from '@directus/extensions-sdk';
import { booleanField, destinationFields, destinationOverview, triggerFields, notifyField, artifactsField, leaseFields, yesNo } from '../../lib/panel/fields.js';

export default defineOperationApp({
	id: 'migration-rollback',
	name: 'Migration: rollback',
	icon: 'undo',
	description: 'Restores the destination to its state before a migration run (default: the last one to it). Rows changed there since are conflicts, left alone.',
	overview: (options) => [
		...destinationOverview(options),
		{ label: 'Run', text: options?.run ? String(options.run) : 'The last one' },
		{ label: 'Dry run', text: yesNo(options?.dryRun, true) },
	],
	options: [
		...destinationFields(),
		{
			field: 'run',
			name: 'Run',
			type: 'integer',
			meta: { width: 'half', interface: 'input', options: { placeholder: 'Empty: the last run to this destination' }, note: 'The runId of the run to undo (in its result, and in GET /migration-runs).' },
		},
		booleanField('dryRun', 'Dry run', true, 'List what would be restored and the conflicts; write nothing.'),
		booleanField('force', 'Force', false, 'Also restore rows changed on the destination since the run (otherwise listed as conflicts and left alone).'),
		notifyField(),
		artifactsField(),
		...leaseFields(),
		...triggerFields(),
	],
});
