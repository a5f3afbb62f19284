import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFlow } from '../harness/flows.ts';
import type { DirectusInstance } from '../harness/instance.ts';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { generateStoredFile, residentRiseWhile, servedSha256 } from '../harness/large-file.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { createCollection, integerKey, stringField } from '../harness/schema-fixtures.ts';
import { uploadFile } from '../harness/files.ts';

/**
 * migration-rollback of a run that replaced the bytes of destination files: the run kept the bytes it
 * replaced in the source's library first, and the rollback puts them back (same file, same id) with
 * the metadata before the run; a file changed on the destination since is a conflict, left alone
 * until `force`. Through the receiver, and over REST (a destination without the bundle).
 */
const FIELDS = ['id', 'title', 'description', 'filename_download', 'type', 'filesize', 'folder', 'tags', 'location', 'width', 'height'].join(',');
const KB = 1024;
const MB = 1024 * KB;
/** Many times the bound below (as in large-files.test.ts). */
const LARGE_FILE_BYTES = 256 * MB;
/** What the source may gain in resident memory while a large file's bytes are kept or given back. */
const MEMORY_RISE_BOUND = 64 * MB;

const run = (pair: Pair, type: string, options: Record<string, unknown> = {}) => withFlow(pair.source, [{ key: 'step', type, options }], (flow) => flow.trigger());
const migrate = (pair: Pair) => run(pair, 'migration-migrate-tables', { collections: ['posters'] });
const fileRows = (instance: DirectusInstance, ids: string[]) =>
	instance.api<Record<string, unknown>[]>('GET', `/files?limit=-1&sort=id&fields=${FIELDS}&filter[id][_in]=${ids.join(',')}`);
const keptCopies = (pair: Pair, runId: number) =>
	pair.source.api<{ id: string; title: string }[]>('GET', `/files?limit=-1&fields=id,title&filter[title][_starts_with]=${encodeURIComponent(`Migration run ${runId}: bytes of`)}`);

/** Uploads bytes through Directus (as a user does); `replace` puts new bytes into an existing file. */

async function setUp(pair: Pair): Promise<void> {
	await createCollection(pair.source, 'posters', [integerKey, stringField('name')]);
	await pair.source.api('POST', '/fields/posters', { field: 'image', type: 'uuid', meta: { interface: 'file', special: ['file'] }, schema: {} });
	await pair.source.api('POST', '/relations', { collection: 'posters', field: 'image', related_collection: 'directus_files', schema: { on_delete: 'SET NULL' } });
	const schema = await run(pair, 'migration-schema-sync', { dryRun: false });
	expect(schema.resolved, JSON.stringify(schema.last).slice(0, 1500)).toBe(true);
}

function rollbackOfReplacedBytes(name: string, pairOptions: Parameters<typeof startPair>[0], path: 'receiver' | 'rest', large: boolean) {
	describe(name, () => {
		let pair: Pair;
		beforeAll(async () => {
			pair = await startPair(pairOptions);
			await setUp(pair);
		});
		afterAll(async () => {
			await pair?.stop();
		});

		it('a rollback gives back the bytes and metadata of files the run replaced; a file edited on the destination since is a conflict, left alone until force', async () => {
			const first = await uploadFile(pair.source, randomBytes(40 * KB), { title: 'first' });
			const second = await uploadFile(pair.source, randomBytes(50 * KB), { title: 'second' });
			await pair.source.api('PATCH', `/files/${first.id}`, { description: 'Before the run', tags: ['old'] });
			await pair.source.api('POST', '/items/posters', [
				{ id: 1, name: 'one', image: first.id },
				{ id: 2, name: 'two', image: second.id },
			]);
			const copied = await migrate(pair);
			expect(copied.resolved, JSON.stringify(copied.last).slice(0, 1500)).toBe(true);
			expect(copied.last.files).toMatchObject({ transferred: 2, paths: { [path]: 2 } });
			const ids = [first.id, second.id];
			const before = await fileRows(pair.destination, ids);
			expect(await servedSha256(pair.destination, first.id)).toBe(first.sha256);
			await new Promise((resolve) => setTimeout(resolve, 1_100));

			// On the source: the first file gets new bytes of another size and new metadata, the second new bytes of the same size.
			const firstNew = await uploadFile(pair.source, randomBytes(45 * KB), { title: 'first' }, { replace: first.id });
			await pair.source.api('PATCH', `/files/${first.id}`, { title: 'first, new', description: 'After the run', tags: ['new'] });
			const secondNew = await uploadFile(pair.source, randomBytes(50 * KB), { title: 'second' }, { replace: second.id });
			const replaced = await migrate(pair);
			expect(replaced.resolved, JSON.stringify(replaced.last).slice(0, 1500)).toBe(true);
			expect(replaced.last.files).toMatchObject({ transferred: 2, failed: 0, paths: { [path]: 2 } });
			expect(await servedSha256(pair.destination, first.id)).toBe(firstNew.sha256);
			expect(await servedSha256(pair.destination, second.id)).toBe(secondNew.sha256);
			// The bytes replaced are kept in the source's library, one file each.
			const copies = await keptCopies(pair, replaced.last.runId);
			expect(copies.map((copy) => copy.title).sort()).toEqual([...ids].map((id) => `Migration run ${replaced.last.runId}: bytes of ${id} before the run`).sort());
			// migration-system leaves the source's own Migrations folder and its run folders where they are.
			const folders = await run(pair, 'migration-system', { scope: ['folders'], dryRun: true });
			expect(folders.resolved, JSON.stringify(folders.last).slice(0, 1500)).toBe(true);
			const leftOut = folders.last.skipped.filter((entry: { reason: string }) => entry.reason.includes('run journals and artifacts is not copied'));
			expect(leftOut, JSON.stringify(folders.last.skipped)).toHaveLength(2);

			const dry = await run(pair, 'migration-rollback', {});
			expect(dry.resolved, JSON.stringify(dry.last).slice(0, 1500)).toBe(true);
			expect(dry.last).toMatchObject({ dryRun: true, rolledBack: { runId: replaced.last.runId }, files: { bytesRestored: 2 } });
			expect(dry.last.collections.directus_files).toMatchObject({ restored: 2, conflicts: 0 });
			expect(await servedSha256(pair.destination, first.id)).toBe(firstNew.sha256);

			// Edited on the destination after the run: left alone.
			await pair.destination.api('PATCH', `/files/${second.id}`, { title: 'Edited on the destination' });
			const undone = await run(pair, 'migration-rollback', { dryRun: false });
			expect(undone.resolved).toBe(false);
			expect(undone.last).toMatchObject({ code: 'ROLLBACK_CONFLICT', files: { bytesRestored: 1 } });
			expect(undone.last.conflicts).toEqual([expect.objectContaining({ collection: 'directus_files', key: second.id, fields: ['title'] })]);
			expect(await servedSha256(pair.destination, first.id)).toBe(first.sha256);
			expect(await servedSha256(pair.destination, second.id)).toBe(secondNew.sha256);
			const after = await fileRows(pair.destination, ids);
			expect(after.find((row) => row['id'] === first.id)).toEqual(before.find((row) => row['id'] === first.id));
			expect(after.find((row) => row['id'] === second.id)).toMatchObject({ title: 'Edited on the destination' });
			// Not rolled back yet: the copies stay for a forced rollback.
			expect(await keptCopies(pair, replaced.last.runId)).toHaveLength(2);

			const forced = await run(pair, 'migration-rollback', { dryRun: false, force: true });
			expect(forced.resolved, JSON.stringify(forced.last).slice(0, 1500)).toBe(true);
			expect(forced.last).toMatchObject({ ok: true, forced: 1, files: { bytesRestored: 1 } });
			expect(await servedSha256(pair.destination, second.id)).toBe(second.sha256);
			expect(await fileRows(pair.destination, ids)).toEqual(before);
			// Rolled back: the copies are removed.
			expect(await keptCopies(pair, replaced.last.runId)).toEqual([]);
		});

		it('the kept bytes of a run are removed with its record when records are pruned (MIGRATION_RUNS_KEEP)', async () => {
			const file = await uploadFile(pair.source, randomBytes(30 * KB), { title: 'third' });
			await pair.source.api('POST', '/items/posters', { id: 3, name: 'three', image: file.id });
			expect((await migrate(pair)).resolved).toBe(true);
			await new Promise((resolve) => setTimeout(resolve, 1_100));
			await uploadFile(pair.source, randomBytes(31 * KB), { title: 'third' }, { replace: file.id });
			const replacing = await migrate(pair);
			expect(replacing.resolved, JSON.stringify(replacing.last).slice(0, 1500)).toBe(true);
			expect(await keptCopies(pair, replacing.last.runId)).toHaveLength(1);
			const folder = `Run ${replacing.last.runId} replaced bytes`;
			expect(await pair.source.api('GET', `/folders?filter[name][_eq]=${encodeURIComponent(folder)}`)).toHaveLength(1);
			// Two newer finished runs: its record is pruned, and its copies with it.
			for (let index = 0; index < 2; index++) expect((await migrate(pair)).resolved).toBe(true);
			expect(await pair.source.api<unknown>('GET', `/migration-runs/${replacing.last.runId}`).catch(() => null)).toBeNull();
			expect(await keptCopies(pair, replacing.last.runId)).toEqual([]);
			expect(await pair.source.api('GET', `/folders?filter[name][_eq]=${encodeURIComponent(folder)}`)).toEqual([]);
		});

		it.skipIf(!large)('a large file replaced and given back streams both ways: the source memory stays within the bound', async () => {
			const original = await generateStoredFile(pair.source, 'large', LARGE_FILE_BYTES);
			await pair.source.api('POST', '/items/posters', { id: 4, name: 'four', image: original.id });
			expect((await migrate(pair)).resolved).toBe(true);
			// Other bytes (another size) put straight into the source's storage under the same file.
			const next = await generateStoredFile(pair.source, 'next', LARGE_FILE_BYTES + MB);
			renameSync(join(pair.source.dir, 'uploads', `${next.id}.bin`), join(pair.source.dir, 'uploads', `${original.id}.bin`));
			await pair.source.api('PATCH', `/files/${original.id}`, { filesize: next.size });

			const replacing = await residentRiseWhile(pair.source, () => migrate(pair));
			expect(replacing.result.resolved, JSON.stringify(replacing.result.last).slice(0, 1500)).toBe(true);
			expect(replacing.result.last.files).toMatchObject({ transferred: 1, failed: 0 });
			expect(replacing.riseBytes, `the source's resident memory rose by ${(replacing.riseBytes / MB).toFixed(1)} MB`).toBeLessThanOrEqual(MEMORY_RISE_BOUND);
			expect(await servedSha256(pair.destination, original.id)).toBe(next.sha256);

			const undoing = await residentRiseWhile(pair.source, () => run(pair, 'migration-rollback', { dryRun: false }));
			expect(undoing.result.resolved, JSON.stringify(undoing.result.last).slice(0, 1500)).toBe(true);
			expect(undoing.result.last).toMatchObject({ rolledBack: { runId: replacing.result.last.runId }, files: { bytesRestored: 1 } });
			expect(undoing.riseBytes, `the source's resident memory rose by ${(undoing.riseBytes / MB).toFixed(1)} MB`).toBeLessThanOrEqual(MEMORY_RISE_BOUND);
			expect(await servedSha256(pair.destination, original.id)).toBe(original.sha256);
		});
	});
}

// Two finished records kept: the prune test below sees a run's copies go with its record.
rollbackOfReplacedBytes('migration-rollback of files replaced through the receiver', { sourceEnv: { MIGRATION_RUNS_KEEP: '2' } }, 'receiver', true);
rollbackOfReplacedBytes('migration-rollback of files replaced over REST (a destination without the bundle)', { sourceEnv: { MIGRATION_RUNS_KEEP: '2' }, destinationBundle: false }, 'rest', false);
