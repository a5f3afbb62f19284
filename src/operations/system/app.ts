import { defineOperationApp } from '@directus/extensions-sdk';
import { booleanField, writePathFields, destinationFields, destinationOverview, listText, yesNo, triggerFields, leaseFields, notifyField, artifactsField } from '../../lib/panel/fields.js';

const SCOPE_CHOICES = [
	{ text: 'Users, roles, policies, permissions', value: 'users' },
	{ text: 'Comments', value: 'comments' },
	{ text: 'Presets and bookmarks', value: 'presets' },
	{ text: 'Dashboards and panels', value: 'dashboards' },
	{ text: 'Flows and operations', value: 'flows' },
	{ text: 'Project settings', value: 'settings' },
	{ text: 'Custom translations', value: 'translations' },
	{ text: 'File folders', value: 'folders' },
	{ text: 'Extensions', value: 'extensions' },
];

export default defineOperationApp({
	id: 'migration-system',
	name: 'Migration: system data',
	icon: 'admin_panel_settings',
	description:
		'Copies users and access, comments, presets, dashboards, flows, settings, translations, folders and extensions to the destination, keeping ids.',
	overview: (options) => [
		...destinationOverview(options),
		{ label: 'Scope', text: listText(options?.scope, 'MIGRATION_DEFAULT_SCOPE, else all') },
		{ label: 'Dry run', text: yesNo(options?.dryRun, true) },
	],
	options: [
		...destinationFields(),
		{
			field: 'scope',
			name: 'Scope',
			type: 'csv',
			meta: {
				width: 'full',
				interface: 'select-multiple-checkbox',
				options: { choices: SCOPE_CHOICES },
				note: 'What to migrate. None ticked: the MIGRATION_DEFAULT_SCOPE environment variable (comma-separated), else everything. Users never get passwords, tokens or 2FA secrets: new users must reset their password.',
			},
		},
		booleanField(
			'dryRun',
			'Dry run',
			true,
			'Compare only: per scope, what would be created, updated or left unchanged; nothing is written. Turn off to apply.',
		),
		booleanField(
			'activateFlows',
			'Activate copied Flows',
			false,
			'Off: copied Flows are created inactive (a schedule or event trigger would otherwise start running on the destination) and their status is left as the destination sets it. On: they keep the source status.',
		),
		notifyField(),
		artifactsField(),
		...leaseFields(),
		...writePathFields(),
		booleanField(
			'includePasswords',
			'Include passwords',
			false,
			'Copy users’ password hashes (never tokens or 2FA secrets), so they sign in on the destination with their own password. Needs this extension on the destination too (its receiver) and an https:// (or loopback) destination.',
		),
		...triggerFields(),
	],
});
