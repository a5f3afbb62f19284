import type { SchemaOverview } from '@directus/types';
import { describe, expect, it } from 'vitest';
import { checkFields, isSchemaMismatch, notCopiedWarnings, schemaMismatch, writablePlan, writableSchema } from '../../src/lib/content/field-check.js';
import type { DestinationClient } from '../../src/lib/destination/client.js';
import type { LostAnswer } from '../../src/lib/destination/retry.js';
import { MigrationError } from '../../src/lib/errors.js';
import { modelCollection } from '../../src/lib/plan/collection-model.js';
import type { MigrationPlan } from '../../src/lib/plan/plan.js';
import { SyncMarker } from '../../src/lib/sync-marker.js';

const field = (name: string, type = 'string', special: string[] = []) => ({
	field: name,
	defaultValue: null,
	nullable: true,
	generated: false,
	type,
	dbType: type,
	precision: null,
	scale: null,
	special,
	note: null,
	validation: null,
	alias: false,
	searchable: true,
});

const schema = {
	collections: {
		members: {
			collection: 'members',
			primary: 'id',
			singleton: false,
			sortField: null,
			note: null,
			accountability: 'all',
			fields: {
				id: field('id', 'integer'),
				name: field('name'),
				nickname: field('nickname'),
				pin: field('pin', 'hash', ['hash']),
				api_key: field('api_key', 'string', ['conceal']),
				club: field('club', 'integer'),
			},
		},
		clubs: {
			collection: 'clubs',
			primary: 'id',
			singleton: false,
			sortField: null,
			note: null,
			accountability: 'all',
			fields: { id: field('id', 'integer'), title: field('title') },
		},
	},
	relations: [{ collection: 'members', field: 'club', related_collection: 'clubs', schema: null, meta: null }],
} as unknown as SchemaOverview;

const plan = (collections: string[]): MigrationPlan => ({
	kind: 'directus-migration-plan',
	version: 1,
	createdAt: '2026-01-01T00:00:00.000Z',
	collections: collections.map((collection) => ({ collection, primaryKey: 'id', singleton: false, filter: null, items: 1, since: null, related: false })),
	deferred: { members: ['club', 'nickname'] },
	relations: [],
	files: { included: false, references: [], count: 0, bytes: 0, folders: 0 },
	marker: null,
});

const destination = (fields: Record<string, string[]>) => new Map(Object.entries(fields).map(([collection, names]) => [collection, new Set(names)]));

describe('the fields a content run can write', () => {
	it('names hashed and concealed fields as not copied, with their reason, even when the schemas match', () => {
		const check = checkFields(schema, plan(['members']), destination({ members: ['id', 'name', 'nickname', 'pin', 'api_key', 'club'] }));
		expect(isSchemaMismatch(check)).toBe(false);
		expect(notCopiedWarnings(check)).toEqual([
			expect.objectContaining({ code: 'FIELD_NOT_COPIED', collection: 'members', field: 'pin', reason: 'hash' }),
			expect.objectContaining({ code: 'FIELD_NOT_COPIED', collection: 'members', field: 'api_key', reason: 'conceal' }),
		]);
	});

	it('refuses with SCHEMA_MISMATCH naming each missing field by collection and each missing collection', () => {
		const check = checkFields(schema, plan(['clubs', 'members']), destination({ members: ['id', 'name', 'club'] }));
		const error = schemaMismatch(check);
		expect(error).toBeInstanceOf(MigrationError);
		expect(error.code).toBe('SCHEMA_MISMATCH');
		expect(error.details).toEqual({ missingCollections: ['clubs'], missingFields: { members: ['nickname'] } });
		expect(error.message).toContain('members lacks nickname');
		expect(error.message).toContain('collection clubs is missing');
	});

	it('with force, writes only what both sides have: the missing field leaves the model and the deferred links', () => {
		const check = checkFields(schema, plan(['clubs', 'members']), destination({ members: ['id', 'name', 'club'] }));
		const writable = writableSchema(schema, check);
		expect(modelCollection(writable, 'members').fields).toEqual(['id', 'name', 'club']);
		expect(modelCollection(writable, 'members').links).toEqual([]);
		const narrowed = writablePlan(plan(['clubs', 'members']), check);
		expect(narrowed.collections.map((entry) => entry.collection)).toEqual(['members']);
		expect(narrowed.deferred).toEqual({ members: ['club'] });
		expect(notCopiedWarnings(check)).toContainEqual(
			expect.objectContaining({ code: 'FIELD_NOT_COPIED', collection: 'members', field: 'nickname', reason: 'missing-on-destination' }),
		);
		expect(notCopiedWarnings(check)).toContainEqual(expect.objectContaining({ code: 'COLLECTION_NOT_COPIED', collection: 'clubs' }));
	});
});

/** A destination holding presets, whose POST can be made to write and then lose its answer. */
function fakePresets(options: { loseAnswerOfFirstPost?: boolean; duplicateFirstPost?: boolean; failFirstGet?: boolean } = {}) {
	const presets: { id: number; bookmark: string; layout_options: unknown }[] = [];
	let nextId = 1;
	let posts = 0;
	let gets = 0;
	const client = {
		async send(request: { method: string; path: string; params?: any; body?: () => string; lostAnswer?: LostAnswer }): Promise<unknown> {
			const body = request.body ? JSON.parse(request.body() as string) : undefined;
			if (request.method === 'GET') {
				gets++;
				if (gets === 1 && options.failFirstGet) throw new MigrationError('DESTINATION_UNREACHABLE', 'connection refused');
				const rows = presets.filter((preset) => preset.bookmark === request.params.filter.bookmark._eq).sort((a, b) => a.id - b.id);
				return request.params.limit === 1 ? rows.slice(0, 1) : rows;
			}
			if (request.method === 'POST') {
				posts++;
				presets.push({ id: nextId++, ...body });
				if (posts === 1 && options.duplicateFirstPost) presets.push({ id: nextId++, ...body });
				if (posts === 1 && options.loseAnswerOfFirstPost) {
					// What the client does with a lost answer (src/lib/destination/retry.ts): a write that
					// gives a `recover` is read back before it is repeated; any other is not repeated.
					const lost = new MigrationError('DESTINATION_UNREACHABLE', 'connection reset', { delivery: 'maybe-applied' });
					if (typeof request.lostAnswer !== 'object') throw lost;
					if ((await request.lostAnswer.recover(lost)) === 'applied') return undefined;
					return client.send(request);
				}
				return { id: nextId - 1 };
			}
			if (request.method === 'PATCH') {
				const id = Number(request.path.split('/').pop());
				Object.assign(presets.find((preset) => preset.id === id)!, body);
				return null;
			}
			if (request.method === 'DELETE') {
				for (const id of body as number[]) presets.splice(presets.findIndex((preset) => preset.id === id), 1);
				return null;
			}
			throw new Error(request.method);
		},
	};
	return { client: client as unknown as DestinationClient, presets, posts: () => posts, gets: () => gets };
}

describe('the sync marker preset', () => {
	it('is created once although the answer to its POST was lost', async () => {
		const destination = fakePresets({ loseAnswerOfFirstPost: true });
		await new SyncMarker(destination.client, 'src').advance(['members'], '2026-01-01T00:10:00.000Z');
		expect(destination.presets).toHaveLength(1);
		expect(destination.posts()).toBe(1);
		expect(await new SyncMarker(destination.client, 'src').watermarks()).toEqual({ members: '2026-01-01T00:09:00.000Z' });
	});

	it('read ahead (while the lease is taken) is read once for the plan, and again once forgotten', async () => {
		const destination = fakePresets();
		await new SyncMarker(destination.client, 'src').advance(['members'], '2026-01-01T00:10:00.000Z');
		const gets = destination.gets();
		const marker = new SyncMarker(destination.client, 'src');
		marker.prefetch();
		expect(await marker.watermarks()).toEqual({ members: '2026-01-01T00:09:00.000Z' });
		expect(await marker.watermarks()).toEqual({ members: '2026-01-01T00:09:00.000Z' });
		expect(destination.gets() - gets).toBe(1);
		// Another run moved it meanwhile (this one waited for its lease): forgotten, it is read as that run left it.
		await new SyncMarker(destination.client, 'src').advance(['members'], '2026-01-01T01:10:00.000Z');
		marker.forget();
		expect(await marker.watermarks()).toEqual({ members: '2026-01-01T01:09:00.000Z' });
	});

	it('a read ahead that failed is asked again when the plan needs it', async () => {
		const destination = fakePresets({ failFirstGet: true });
		const marker = new SyncMarker(destination.client, 'src');
		marker.prefetch();
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(await marker.watermarks()).toEqual({});
		expect(destination.gets()).toBe(2);
	});

	it('leaves one preset when a retried POST wrote it twice', async () => {
		const destination = fakePresets({ duplicateFirstPost: true });
		await new SyncMarker(destination.client, 'src').advance(['members'], '2026-01-01T00:10:00.000Z');
		expect(destination.presets.map((preset) => preset.id)).toEqual([1]);
	});
});
