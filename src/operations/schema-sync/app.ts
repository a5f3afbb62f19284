import { defineOperationApp } from '@directus/extensions-sdk';
import { booleanField, selectField, collectionScopeFields, destinationFields, destinationOverview, listText, yesNo, triggerFields, leaseFields, notifyField, artifactsField } from '../../lib/panel/fields.js';

export default defineOperationApp({
	id: 'migration-schema-sync',
	name: 'Migration: sync schema',
	icon: 'schema',
	description: 'Compares the schema of this Directus with the destination and applies the differences.',
	overview: (options) => [
		...destinationOverview(options),
		{ label: 'Collections', text: listText(options?.collections, 'All') },
		{ label: 'Mode', text: options?.mode || 'merge' },
		{ label: 'Dry run', text: yesNo(options?.dryRun, true) },
	],
	options: [
		...destinationFields(),
		...collectionScopeFields(),
		booleanField('dryRun', 'Dry run', true, 'Compare only: nothing is written anywhere. Turn off to apply.'),
		booleanField('force', 'Force', false, 'Accept a different Directus version or database vendor.'),
		selectField(
			'mode',
			'Mode',
			'merge',
			[
				{ text: 'Merge: create and update, never delete', value: 'merge' },
				{ text: 'Mirror: also delete what the source lacks', value: 'mirror' },
			],
			'Mirror deletes destination collections and fields (and their data) that the source does not have, within the collection scope.',
		),
		{
			field: 'expectedHash',
			name: 'Expected schema hash',
			type: 'string',
			meta: {
				width: 'half',
				interface: 'input',
				options: { placeholder: '{{$last.hash}}', font: 'monospace' },
				note: 'Optional: the hash of a reviewed dry run. The apply stops (SCHEMA_CHANGED) if the destination changed since.',
			},
		},
		notifyField(),
		artifactsField(),
		...leaseFields(),
		...triggerFields(),
	],
});
