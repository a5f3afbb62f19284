import { boundedPush } from '../report.js';
import { failureOf, stopOnRunFailure } from './destination-rows.js';
import { planExtensions } from './extensions.js';
import type { Row } from './kinds.js';
import type { SystemRun } from './sync-rows.js';

/**
 * Registry extensions of the source are installed on the destination from the marketplace; local ones
 * are files on the source's disk and are only listed (skipped, with a warning).
 */
export async function syncExtensions(run: SystemRun): Promise<void> {
	const source = await run.source.all('directus_extensions', ['id', 'folder', 'source', 'bundle']);
	const destination = (await run.client.send<Row[]>({ method: 'GET', path: '/extensions' })) ?? [];
	const plan = planExtensions(source, destination);
	const outcome = (key: string, reason: string, code?: string) => ({ scope: 'extensions' as const, collection: 'directus_extensions', key, reason, ...(code ? { code } : {}) });

	run.tally.unchanged('extensions', plan.unchanged.length);
	for (const folder of plan.local) run.tally.skip(outcome(folder, 'local extension: copy its folder to the destination'));
	for (const id of plan.otherVersion) run.tally.skip(outcome(id, 'installed on the destination in another version: update it in the marketplace'));
	if (plan.local.length > 0) {
		boundedPush(run.warnings, {
			code: 'LOCAL_EXTENSIONS',
			collection: 'directus_extensions',
			message: `Local extensions are not installed by the migration; copy them into the destination's extensions folder: ${plan.local.join(', ')}.`,
		});
	}
	for (const install of plan.install) run.tally.change({ scope: 'extensions', collection: 'directus_extensions', key: install.extension, change: 'create' });
	if (run.dryRun) return;
	for (const install of plan.install) {
		try {
			// Installing the same version again leaves the destination as one install does.
			await run.client.send({ method: 'POST', path: '/extensions/registry/install', body: () => JSON.stringify(install), lostAnswer: 'repeat' });
		} catch (error) {
			stopOnRunFailure(error);
			const failure = failureOf(install.extension, error);
			run.tally.failWrite(outcome(install.extension, `registry install of version ${install.version} failed: ${failure.reason}`, failure.code), 'created');
		}
	}
}
