import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFlow, type FlowRun } from '../harness/flows.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { createCollection, createManyToOne, integerKey, stringField } from '../harness/schema-fixtures.ts';

/**
 * Runs that cannot resolve with a silent loss: who may start them, what the destination's schema
 * must hold, fields that are never copied, and `updatedAfter: "auto"` never leaving a row behind.
 */
const COLLECTIONS = ['owners', 'notes'];
const OLD = '2021-01-01T00:00:00.000Z';

let pair: Pair;

const migrate = (options: Record<string, unknown> = {}, caller: { as?: 'admin' | 'public' } = {}): Promise<FlowRun> =>
	withFlow(pair.source, [{ key: 'migrate', type: 'migration-migrate-tables', options }], (flow) => flow.trigger({}, caller));
const count = async (instance: Pair['source'], collection: string) => {
	const result = await instance.api<{ count: number }[]>('GET', `/items/${collection}?aggregate[count]=*`);
	return Number(result[0]!.count);
};
const counts = async (instance: Pair['source']) =>
	Object.fromEntries(await Promise.all(COLLECTIONS.map(async (collection) => [collection, await count(instance, collection)] as const)));
const brief = (run: FlowRun) => JSON.stringify(run.last).slice(0, 3000);

/** Moves the destination's sync marker of `collection` back to `time`, as after a sync made long ago. */
async function setMarker(collection: string, time: string) {
	const [preset] = await pair.destination.api<any[]>('GET', '/presets?filter[bookmark][_starts_with]=Migration sync marker&fields=id,layout_options');
	const layoutOptions = preset.layout_options;
	layoutOptions.migrationSync.watermarks[collection] = time;
	await pair.destination.api('PATCH', `/presets/${preset.id}`, { layout_options: layoutOptions });
}

beforeAll(async () => {
	pair = await startPair();
	const source = pair.source;
	await createCollection(source, 'owners', [integerKey, stringField('name')]);
	await createCollection(source, 'notes', [
		integerKey,
		stringField('title'),
		{ field: 'date_created', type: 'timestamp', meta: { special: ['date-created'], interface: 'datetime', readonly: true } },
		{ field: 'date_updated', type: 'timestamp', meta: { special: ['date-updated'], interface: 'datetime', readonly: true } },
		{ field: 'pin', type: 'hash', meta: { special: ['hash'], interface: 'input-hash' }, schema: {} },
		{ field: 'api_key', type: 'string', meta: { special: ['conceal'], interface: 'input', options: { masked: true } }, schema: {} },
	]);
	await createManyToOne(source, 'notes', 'owner', 'owners');
	await source.api('POST', '/items/owners', [{ name: 'Ada' }, { name: 'Grace' }]);
	await source.api('POST', '/items/notes', [
		{ title: 'First', owner: 1, pin: '1234', api_key: 'k-1' },
		{ title: 'Second', owner: 2, pin: '5678', api_key: 'k-2' },
	]);
	const schema = await withFlow(source, [{ key: 'schema', type: 'migration-schema-sync', options: { dryRun: false } }], (flow) => flow.trigger());
	expect(schema.resolved, brief(schema)).toBe(true);
});
afterAll(async () => {
	await pair?.stop();
});

describe('who may start a migration', () => {
	it('refuses a webhook triggered without a token, before anything is written', async () => {
		const run = await migrate({}, { as: 'public' });
		expect(run.resolved, brief(run)).toBe(false);
		expect(run.last).toMatchObject({ code: 'FORBIDDEN', operation: 'migration-migrate-tables' });
		expect(run.last.message).toContain('allowPublicTrigger');
		expect(await counts(pair.destination)).toEqual({ owners: 0, notes: 0 });
	});

	it('runs a webhook triggered with an admin token', async () => {
		const run = await migrate();
		expect(run.resolved, brief(run)).toBe(true);
		expect(await counts(pair.destination)).toEqual({ owners: 2, notes: 2 });
	});

	it('runs a webhook triggered without a token when allowPublicTrigger is on', async () => {
		const run = await migrate({ allowPublicTrigger: true, collections: ['owners'] }, { as: 'public' });
		expect(run.resolved, brief(run)).toBe(true);
		expect(run.last.collections.owners).toMatchObject({ unchanged: 2, failed: 0 });
	});
});

describe('fields that are not copied', () => {
	it('names the hash field and the conceal field of a collection in the report, with their reasons (over REST; the receiver copies the hash)', async () => {
		const run = await migrate({ collections: ['notes'], writePath: 'rest' });
		expect(run.resolved, brief(run)).toBe(true);
		const notCopied = run.last.warnings.filter((warning: { code: string }) => warning.code === 'FIELD_NOT_COPIED');
		expect(notCopied).toEqual([
			expect.objectContaining({ collection: 'notes', field: 'pin', reason: 'hash' }),
			expect.objectContaining({ collection: 'notes', field: 'api_key', reason: 'conceal' }),
		]);
		const viaReceiver = await migrate({ collections: ['notes'] });
		expect(viaReceiver.resolved, brief(viaReceiver)).toBe(true);
		expect(viaReceiver.last.warnings.filter((warning: { code: string }) => warning.code === 'FIELD_NOT_COPIED')).toEqual([
			expect.objectContaining({ collection: 'notes', field: 'api_key', reason: 'conceal' }),
		]);
	});
});

describe('updatedAfter: "auto" leaves no row behind', () => {
	it('keeps the marker where it was after a link was set to null, and a later auto run repairs the link', async () => {
		await setMarker('notes', '2020-01-01T00:00:00.000Z');
		const owner = await pair.source.api<{ id: number }>('POST', '/items/owners', { name: 'Hedy' });
		const note = await pair.source.api<{ id: number }>('POST', '/items/notes', { title: 'Orphan for now', owner: owner.id, date_updated: OLD });

		const first = await migrate({ collections: ['notes'], updatedAfter: 'auto' });
		expect(first.resolved, brief(first)).toBe(true);
		expect(first.last.warnings).toContainEqual(expect.objectContaining({ code: 'MISSING_LINK_TARGET', collection: 'notes' }));
		expect(first.last.warnings).toContainEqual(expect.objectContaining({ code: 'MARKER_NOT_ADVANCED', collection: 'notes' }));
		expect((await pair.destination.api<any>('GET', `/items/notes/${note.id}?fields=owner`)).owner).toBeNull();

		const owners = await migrate({ collections: ['owners'] });
		expect(owners.resolved, brief(owners)).toBe(true);
		const second = await migrate({ collections: ['notes'], updatedAfter: 'auto' });
		expect(second.resolved, brief(second)).toBe(true);
		expect(second.last.collections.notes).toMatchObject({ updated: 1, failed: 0 });
		expect((await pair.destination.api<any>('GET', `/items/notes/${note.id}?fields=owner`)).owner).toBe(owner.id);
	});

	it('picks up a row inserted on the source with an old date_updated after a sync, and says how many', async () => {
		const settled = await migrate({ collections: ['notes'], updatedAfter: 'auto' });
		expect(settled.resolved, brief(settled)).toBe(true);
		expect(settled.last.warnings.map((warning: { code: string }) => warning.code)).not.toContain('MARKER_NOT_ADVANCED');
		const imported = await pair.source.api<{ id: number }>('POST', '/items/notes', { title: 'Imported with its date', owner: 1, date_updated: OLD });

		const run = await migrate({ collections: ['notes'], updatedAfter: 'auto' });
		expect(run.resolved, brief(run)).toBe(true);
		expect(run.last.collections.notes).toMatchObject({ created: 1, failed: 0 });
		expect(run.last.missingPickedUp).toEqual({ notes: 1 });
		expect(await pair.destination.api<any>('GET', `/items/notes/${imported.id}?fields=title,owner`)).toEqual({ title: 'Imported with its date', owner: 1 });
	});
});

describe('a destination whose schema lacks a field', () => {
	it('refuses with SCHEMA_MISMATCH naming the collection and field, and writes nothing', async () => {
		await pair.source.api('POST', '/fields/owners', { field: 'motto', type: 'string', meta: { interface: 'input' }, schema: {} });
		await pair.source.api('POST', '/items/owners', { name: 'Barbara', motto: 'Abstraction' });
		await pair.source.api('POST', '/items/notes', { title: 'Written after the field was added', owner: 1 });
		const before = await counts(pair.destination);

		for (const dryRun of [true, false]) {
			const run = await migrate({ dryRun });
			expect(run.resolved, brief(run)).toBe(false);
			expect(run.last).toMatchObject({ code: 'SCHEMA_MISMATCH', details: { missingCollections: [], missingFields: { owners: ['motto'] } } });
			expect(run.last.message).toContain('owners lacks motto');
			expect(await counts(pair.destination)).toEqual(before);
		}
	});

	it('with force, migrates the rest and names the field it left out', async () => {
		const run = await migrate({ force: true });
		expect(run.resolved, brief(run)).toBe(true);
		expect(run.last.warnings).toContainEqual(
			expect.objectContaining({ code: 'FIELD_NOT_COPIED', collection: 'owners', field: 'motto', reason: 'missing-on-destination' }),
		);
		expect(run.last.warnings).toContainEqual(expect.objectContaining({ code: 'MARKER_NOT_ADVANCED', collection: 'owners' }));
		expect(await counts(pair.destination)).toEqual(await counts(pair.source));
		const [barbara] = await pair.destination.api<any[]>('GET', '/items/owners?filter[name][_eq]=Barbara&fields=name');
		expect(barbara).toEqual({ name: 'Barbara' });
	});
});
