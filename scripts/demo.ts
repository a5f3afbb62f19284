/**
 * `npm run demo`: builds the bundle (npm script), starts a source and a destination Directus on this
 * machine (SQLite), seeds sample content on the source, creates a Flow of the migration operations on
 * it, runs the Flow and prints each step's JSON. The instances keep running until Ctrl+C so that both
 * admin apps can be opened; `--exit` (or a non-interactive terminal) stops them at once.
 */
import { createFlow } from '../test/harness/flows.ts';
import { startPair } from '../test/harness/pair.ts';
import { createContentSchema, seedContent } from '../test/harness/content-fixtures.ts';

const stayUp = process.stdout.isTTY && !process.argv.includes('--exit');

console.log('Starting a source and a destination Directus (first run: installs Directus into a cache, several minutes)…');
const pair = await startPair({ keepWorkDir: stayUp });
try {
	await createContentSchema(pair.source);
	await seedContent(pair.source, { articleCount: 200, categoryCount: 20 });
	const flow = await createFlow(
		pair.source,
		[
			{ key: 'check', type: 'migration-check' },
			{ key: 'schema', type: 'migration-schema-sync', options: { dryRun: false } },
			{ key: 'extract', type: 'migration-extract' },
			{ key: 'files', type: 'migration-transfer-files' },
			{ key: 'items', type: 'migration-upsert-items' },
		],
		{ name: 'Demo: migrate to the destination' },
	);
	const run = await flow.trigger();
	for (const key of ['check', 'schema', 'extract', 'files', 'items']) {
		if (!(key in run.all)) continue;
		console.log(`\n── ${key} ${'─'.repeat(60 - key.length)}`);
		// The extract step's plan travels on to the next steps; print it once.
		const { plan, ...rest } = run.all[key];
		console.log(JSON.stringify(key === 'extract' ? run.all[key] : plan ? { ...rest, plan: '(as above)' } : rest, null, 2));
	}
	console.log(`\nThe Flow ${run.resolved ? 'resolved' : 'rejected'}.`);
	if (stayUp) {
		console.log(`
Source:      ${pair.source.url}/admin  (${pair.source.credentials.email} / ${pair.source.credentials.password})
             the Flow: ${pair.source.url}/admin/settings/flows/${flow.id}
Destination: ${pair.destination.url}/admin  (${pair.destination.credentials.email} / ${pair.destination.credentials.password})
Press Ctrl+C to stop both.`);
		await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
	}
} finally {
	await pair.stop();
}
