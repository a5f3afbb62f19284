import { definePanel } from '@directus/extensions-sdk';
import RunsPanel from './runs-panel.js';

export default definePanel({
	id: 'migration-runs-panel',
	name: 'Migration runs',
	icon: 'sync_alt',
	description: 'Running migrations with their progress, and the recent history (admins only: read from /migration-runs).',
	component: RunsPanel,
	options: [
		{
			field: 'limit',
			name: 'Runs listed',
			type: 'integer',
			meta: { width: 'half', interface: 'input', options: { min: 1, max: 100 } },
			schema: { default_value: 10 },
		},
		{
			field: 'refreshSeconds',
			name: 'Refresh every (seconds)',
			type: 'integer',
			meta: { width: 'half', interface: 'input', options: { min: 1, max: 60 } },
			schema: { default_value: 3 },
		},
	],
	minWidth: 16,
	minHeight: 10,
});
