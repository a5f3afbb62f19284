import { boundedPush } from '../report.js';
import { failureOf, stopOnRunFailure, type ItemFailure } from './destination-rows.js';
import type { Id, Row } from './kinds.js';
import { planSettings, SETTINGS_REFERENCES } from './settings.js';
import type { SystemRun } from './sync-rows.js';
import { sendRows } from '../write/send-rows.js';

/** Project settings: the fields that differ are updated, in one request; the destination's own are kept. */
export async function syncSettings(run: SystemRun): Promise<void> {
	const source = await run.source.settings();
	const destination = (await run.client.send<Row>({ method: 'GET', path: '/settings' })) ?? {};
	const missing = new Set<string>();
	for (const [field, reference] of Object.entries(SETTINGS_REFERENCES)) {
		const value = source[field];
		if (value === null || value === undefined) continue;
		const target = run.mapping.map(reference.collection, value as Id);
		if ((await run.presence.missing(reference.collection, [target])).size > 0) missing.add(field);
	}
	const plan = planSettings(source, destination, run.mapping, missing);
	if (plan.kept.length > 0) {
		boundedPush(run.warnings, {
			code: 'SETTINGS_KEPT',
			collection: 'directus_settings',
			message: `Kept the destination's own value of: ${plan.kept.map(({ field, reason }) => `${field} (${reason})`).join('; ')}.`,
		});
	}
	const changed = Object.keys(plan.changes).length > 0;
	if (changed) run.tally.change({ scope: 'settings', collection: 'directus_settings', key: 'settings', change: 'update', fields: Object.keys(plan.changes) });
	else run.tally.unchanged('settings');
	if (!changed || run.dryRun) return;
	const write = (changes: Row) =>
		sendRows(run.client, {
			collection: 'directus_settings',
			action: 'update',
			rows: [changes],
			rest: { path: '/settings', singleton: true },
			receiverRoute: 'system',
			lostAnswer: 'repeat',
		});
	// Journaled ahead, with the destination's values of the fields written as read above, under the
	// singleton's own id; settings the destination never saved have their id only once written.
	const journal = async (key: unknown) => {
		await run.client.journal?.updated('directus_settings', 'id', new Map([[String(key), destination]]), [{ id: key, ...plan.changes }]);
	};
	const savedBefore = destination['id'] !== undefined && destination['id'] !== null;
	if (savedBefore) await journal(destination['id']);
	try {
		await write(plan.changes);
	} catch (error) {
		stopOnRunFailure(error);
		// One refused value (a collection the destination lacks) must not keep the others back.
		const refused: ItemFailure[] = [];
		for (const [field, value] of Object.entries(plan.changes)) {
			try {
				await write({ [field]: value });
			} catch (fieldError) {
				stopOnRunFailure(fieldError);
				refused.push(failureOf(`settings.${field}`, fieldError));
			}
		}
		for (const failure of refused) run.tally.fail({ scope: 'settings', collection: 'directus_settings', ...failure });
		if (refused.length === Object.keys(plan.changes).length) run.tally.withdraw('settings', 'directus_settings', 'settings', 'updated');
	}
	if (!savedBefore && run.client.journal) {
		const saved = await run.client.send<Row>({ method: 'GET', path: '/settings', params: { fields: 'id' } });
		if (saved?.['id'] !== undefined && saved['id'] !== null) await journal(saved['id']);
	}
}
