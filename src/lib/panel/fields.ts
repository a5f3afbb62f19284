/**
 * Option fields shared by the operations' panels (app side only: plain declarations, no zod).
 * Field names and defaults match the zod schemas in each operation's options.ts.
 */
type PanelField = Record<string, any>;

export function destinationFields(): PanelField[] {
	return [
		{
			field: 'destinationUrl',
			name: 'Destination URL',
			type: 'string',
			meta: {
				width: 'full',
				interface: 'input',
				options: { placeholder: 'https://destination.example.com', trim: true },
				note: 'Base URL of the destination Directus. Empty: the MIGRATION_DESTINATION_URL environment variable of this Directus. Hosts on IMPORT_IP_DENY_LIST, or missing from MIGRATION_DESTINATION_ALLOW_LIST when it is set, are refused.',
			},
		},
		{
			field: 'destinationTokenEnv',
			name: 'Token environment variable',
			type: 'string',
			schema: { default_value: 'MIGRATION_DESTINATION_TOKEN' },
			meta: {
				width: 'half',
				interface: 'input',
				options: { placeholder: 'MIGRATION_DESTINATION_TOKEN', font: 'monospace', trim: true },
				note: 'NAME of the environment variable (on this Directus) that holds an admin token of the destination: a name starting with MIGRATION_, or one the administrator listed in MIGRATION_TOKEN_ENV_ALLOW_LIST. The token itself never enters the Flow.',
			},
		},
		{
			field: 'destinationToken',
			name: 'Token (stored in plain text)',
			type: 'string',
			meta: {
				width: 'half',
				interface: 'input',
				options: { masked: true, placeholder: 'Leave empty: use the environment variable' },
				note: 'Only where the environment cannot be edited. Flows store options in plain text and copy them into revisions: prefer the environment variable.',
			},
		},
		{
			field: 'retries',
			name: 'Retries',
			type: 'integer',
			schema: { default_value: 5 },
			meta: {
				width: 'half',
				interface: 'input',
				options: { min: 0, max: 10 },
				note: 'Retries of a request that failed for a passing reason (no connection, 429, 502–504), with backoff. A write whose answer was lost is read back before it is repeated.',
			},
		},
		{
			field: 'requestsPerSecond',
			name: 'Requests per second',
			type: 'integer',
			schema: { default_value: 0 },
			meta: {
				width: 'half',
				interface: 'input',
				options: { min: 0, max: 1000 },
				note: 'Most requests started per second on the destination. 0: no limit.',
			},
		},
		{
			field: 'timeoutSeconds',
			name: 'Request timeout (s)',
			type: 'integer',
			schema: { default_value: 120 },
			meta: {
				width: 'full',
				interface: 'input',
				options: { min: 1, max: 3600 },
				note: 'A request that moves no bytes for this long is cancelled (a large upload still streaming never is).',
			},
		},
	];
}

export function collectionScopeFields(): PanelField[] {
	return [
		{
			field: 'collections',
			name: 'Collections',
			type: 'csv',
			meta: {
				width: 'half',
				interface: 'tags',
				options: { placeholder: 'Empty: every user collection' },
				note: 'Collections to include. Empty: every user collection (never directus_* ones).',
			},
		},
		{
			field: 'excludeCollections',
			name: 'Exclude collections',
			type: 'csv',
			meta: {
				width: 'half',
				interface: 'tags',
				options: { placeholder: 'Collections to leave out' },
				note: 'Every user collection except these. Takes precedence over Collections.',
			},
		},
	];
}

export function booleanField(field: string, name: string, defaultValue: boolean, note: string, width = 'half'): PanelField {
	return {
		field,
		name,
		type: 'boolean',
		schema: { default_value: defaultValue },
		meta: { width, interface: 'boolean', options: { label: name }, note },
	};
}

/** A choice among fixed values, as a dropdown. */
export function selectField(field: string, name: string, defaultValue: string, choices: { text: string; value: string }[], note: string): PanelField {
	return {
		field,
		name,
		type: 'string',
		schema: { default_value: defaultValue },
		meta: { width: 'half', interface: 'select-dropdown', options: { choices }, note },
	};
}

/** The overview lines every card shows: the destination host (never the token). */
export function destinationOverview(options: Record<string, any>): { label: string; text: string }[] {
	return [{ label: 'Destination', text: hostOf(options?.destinationUrl) }];
}

export function hostOf(url: unknown): string {
	if (typeof url !== 'string' || url.trim() === '') return 'from MIGRATION_DESTINATION_URL';
	if (url.includes('{{')) return url.trim();
	try {
		return new URL(url.trim()).host;
	} catch {
		return url.trim();
	}
}

export function listText(value: unknown, empty: string): string {
	if (Array.isArray(value)) return value.length > 0 ? value.join(', ') : empty;
	if (typeof value === 'string' && value.trim() !== '') return value;
	return empty;
}

export function yesNo(value: unknown, fallback: boolean): string {
	if (value === undefined || value === null || value === '') return fallback ? 'Yes' : 'No';
	return value === true || value === 'true' ? 'Yes' : value === false || value === 'false' ? 'No' : String(value);
}

/** The `keys` and `filter` options choosing items of one collection, to move or to compare. */
export function itemChoiceFields(purpose: 'move' | 'compare'): PanelField[] {
	return [
		{
			field: 'keys',
			name: 'Keys',
			type: 'csv',
			meta: {
				width: 'half',
				interface: 'tags',
				options: { placeholder: '{{$trigger.keys}}' },
				note: `Primary keys of the items to ${purpose} (one collection only), e.g. {{$trigger.keys}} in an event Flow.`,
			},
		},
		{
			field: 'filter',
			name: 'Filter',
			type: 'json',
			meta: {
				width: 'full',
				interface: 'input-code',
				options: { language: 'json', placeholder: '{ "status": { "_eq": "published" } }' },
				note: `A Directus filter choosing the items to ${purpose} (one collection only).`,
			},
		},
	];
}

export function selectionFields(): PanelField[] {
	return [
		...collectionScopeFields(),
		{
			field: 'updatedAfter',
			name: 'Updated after',
			type: 'string',
			meta: {
				width: 'half',
				interface: 'input',
				options: { placeholder: 'auto, or 2026-01-01T00:00:00Z' },
				note: 'Only items changed since this ISO date-time (date_updated, else date_created). "auto": changes since the last complete sync to this destination. Empty: all items.',
			},
		},
		...itemChoiceFields('move'),
		booleanField('includeRelated', 'Include related', false, 'With keys or filter: also move what the chosen items need: junction rows (M2M, M2A, translations), M2A blocks, M2O targets the destination lacks, and their files.'),
		booleanField('includeFiles', 'Include files', true, 'Also move the files the items reference (same ids, folders, metadata).'),
	];
}

/** How many items a request (or a chunk) takes, and how many are in flight at once. */
export function batchingFields(batch: { name: string; unit: string; fallback: number; note: string }, concurrencyFallback: number): PanelField[] {
	return [
		{
			field: 'batchSize',
			name: batch.name,
			type: 'integer',
			schema: { default_value: batch.fallback },
			meta: { width: 'half', interface: 'input', options: { min: 1, max: 1000 }, note: `${batch.note} (1–1000).` },
		},
		{
			field: 'concurrency',
			name: 'Concurrency',
			type: 'integer',
			schema: { default_value: concurrencyFallback },
			meta: { width: 'half', interface: 'input', options: { min: 1, max: 8 }, note: `${batch.unit} in flight at once (1–8).` },
		},
	];
}

export function executionFields(options: { dryRunNote: string }): PanelField[] {
	return [
		...batchingFields({ name: 'Batch size', unit: 'Batches', fallback: 100, note: 'Items read, compared and written per request' }, 2),
		booleanField('dryRun', 'Dry run', false, options.dryRunNote, 'full'),
	];
}

/** How files travel: above this size, through the destination's resumable uploads. */
export function fileTransferFields(): PanelField[] {
	return [
		{
			field: 'resumableAboveMB',
			name: 'Resumable above (MB)',
			type: 'integer',
			schema: { default_value: 16 },
			meta: {
				width: 'half',
				interface: 'input',
				options: { min: 1 },
				note: 'Files larger than this go through the destination’s resumable uploads when it has them (TUS_ENABLED): a connection lost mid-file resumes where the destination stopped.',
			},
		},
	];
}

export function upsertFields(): PanelField[] {
	return [
		booleanField('deleteMissing', 'Delete missing', false, 'Also delete destination items of these collections that no longer exist on the source. A dry run counts them.'),
		{
			field: 'maxDeleteShare',
			name: 'Max delete share',
			type: 'float',
			schema: { default_value: 0.5 },
			meta: {
				width: 'half',
				interface: 'input',
				options: { min: 0, max: 1, step: 0.05 },
				note: 'Delete missing refuses, before deleting anything, to delete more than this share of a collection’s destination items (0–1; 1 allows all).',
			},
		},
		booleanField('preserveAuthorship', 'Preserve authorship', false, 'Set date_created and user_created of created items back to the source values. Costs a second write of each created item (the first copy runs about 2.5× slower) and date_updated then shows the migration.'),
		...writePathFields(),
		booleanField('force', 'Force', false, 'When the destination lacks collections or fields of the plan, migrate what both sides have instead of stopping with SCHEMA_MISMATCH. The report names every field left out (FIELD_NOT_COPIED).'),
	];
}

/** The card of a step that works on a plan: destination, which plan, dry run. */
export function planStepOverview(options: Record<string, any>): { label: string; text: string }[] {
	return [
		...destinationOverview(options),
		{ label: 'Plan', text: options?.plan || 'Previous step' },
		{ label: 'Dry run', text: yesNo(options?.dryRun, false) },
	];
}

export function planField(): PanelField {
	return {
		field: 'plan',
		name: 'Plan',
		type: 'string',
		meta: {
			width: 'full',
			interface: 'input',
			options: { placeholder: 'Empty: the previous step ($last)', font: 'monospace' },
			note: 'Key of the "Migration: extract" step whose plan to use. Empty: the previous step.',
		},
	};
}

/** The writing operations' lease on the destination: what a run does when another one holds it. */
export function leaseFields(): PanelField[] {
	return [
		selectField(
			'whenBusy',
			'When another run holds the destination',
			'wait',
			[
				{ text: 'Wait for it (up to the wait time)', value: 'wait' },
				{ text: 'Skip this run (resolve skipped)', value: 'skip' },
				{ text: 'Fail at once (ALREADY_RUNNING)', value: 'fail' },
			],
			'Every writing run holds a lease on the destination. Schedules: skip (the next tick catches up). Publish events and manual runs: wait.',
		),
		{
			field: 'waitSeconds',
			name: 'Wait time (s)',
			type: 'integer',
			schema: { default_value: 600 },
			meta: {
				width: 'half',
				interface: 'input',
				options: { min: 0, max: 86400 },
				note: 'With Wait: how long to queue before failing with ALREADY_RUNNING.',
			},
		},
		{
			field: 'leaseSeconds',
			name: 'Lease expiry (s)',
			type: 'integer',
			schema: { default_value: 120 },
			meta: {
				width: 'half',
				interface: 'input',
				options: { min: 3, max: 3600 },
				note: 'A running migration renews its lease every third of this time; a lease left by a stopped Directus is taken over this long after its last renewal.',
			},
		},
	];
}

/** Every operation's last field: whether a run started without authentication may go ahead. */
export function triggerFields(): PanelField[] {
	return [
		booleanField(
			'allowPublicTrigger',
			'Allow public trigger',
			false,
			'Off: a run started without authentication (a webhook called without a token) is refused with FORBIDDEN, because the migration reads this Directus with full rights. Schedules, events and authenticated calls always run.',
			'full',
		),
	];
}

/** The `verify` option of the writing operations (upsert-items, migrate-tables). */
export function verifyField(): PanelField {
	return booleanField(
		'verify',
		'Verify',
		false,
		"After the writes, compare the run's items (and files) with the source; differences fail the run with OUT_OF_SYNC. Costs one more read of every item in scope.",
		'full',
	);
}

/** The `notify` option of the writing operations: who gets a Directus notification when the run ends. */
export function notifyField(): PanelField {
	return {
		field: 'notify',
		name: 'Notify',
		type: 'json',
		meta: {
			width: 'full',
			interface: 'tags',
			options: { placeholder: '$trigger, or user ids', presets: ['$trigger'] },
			note: 'When the run ends, a notification (outcome, counts, link to the run record) to these users: $trigger is the user who started it. Empty: nobody.',
		},
	};
}

/** The `artifacts` option of the writing operations. */
export function artifactsField(): PanelField {
	return booleanField(
		'artifacts',
		'Save artifacts',
		false,
		'When the run ends, save its counts per collection, the files it created on the destination and the schema it applied as files of the "Migrations" folder (storage MIGRATION_STORAGE_LOCATION). Never from a dry run.',
		'full',
	);
}

/** How items travel: through the destination's receiver (this bundle installed there too) or its REST API. */
export function writePathFields(): PanelField[] {
	return [
		selectField(
			'writePath',
			'Write path',
			'auto',
			[
				{ text: 'Auto (receiver when installed)', value: 'auto' },
				{ text: 'Receiver only', value: 'receiver' },
				{ text: 'REST API only', value: 'rest' },
			],
			'The receiver (this extension installed on the destination too) writes exact timestamps and no per-item activity, in one transaction per batch. Auto uses it when present.',
		),
		booleanField('trackActivity', 'Track activity', false, 'Through the receiver: also write an activity and a revision row per item on the destination (the REST API always does).'),
		booleanField('emitEvents', 'Emit events', false, 'Through the receiver: fire items.create / items.update hooks and Flows on the destination for every item.'),
	];
}
