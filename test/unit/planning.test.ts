import { describe, expect, it } from 'vitest';
import type { CollectionModel } from '../../src/lib/plan/collection-model.js';
import { planWriteOrder } from '../../src/lib/plan/dependency-order.js';
import { findPlan } from '../../src/lib/plan/plan.js';
import { assertWritable, changedSince } from '../../src/lib/plan/select.js';
import type { PlannedCollection } from '../../src/lib/plan/plan.js';
import { diffRows } from '../../src/lib/items/diff-rows.js';
import { splitBySize } from '../../src/lib/write/write-in-parts.js';
import { valuesEqual } from '../../src/lib/items/values-equal.js';
import { parentsFirst } from '../../src/lib/files/transfer.js';

/** A collection model; a link is `[field, related]`, or `[field, related, false]` for a required (NOT NULL) one. */
function model(collection: string, links: [string, string | null, boolean?][] = [], extra: Partial<CollectionModel> = {}): CollectionModel {
	return {
		collection,
		primaryKey: 'id',
		autoIncrement: true,
		singleton: false,
		fields: ['id', ...links.map(([field]) => field)],
		types: {},
		links: links.map(([field, related, nullable]) => ({ field, related, nullable: nullable ?? true })),
		stamps: { dateCreated: [], dateUpdated: [], userCreated: [], userUpdated: [] },
		concealed: [],
		...extra,
	};
}

describe('write order', () => {
	it('writes what a row links to before the row', () => {
		const order = planWriteOrder([model('articles', [['author', 'authors']]), model('authors'), model('comments', [['article', 'articles']])]);
		expect(order.order).toEqual(['authors', 'articles', 'comments']);
		expect(order.deferred).toEqual({});
	});

	it('defers the parent link of a tree to a second pass', () => {
		expect(planWriteOrder([model('categories', [['parent', 'categories']])]).deferred).toEqual({ categories: ['parent'] });
	});

	it('breaks a cycle between two collections by deferring one link only', () => {
		const order = planWriteOrder([model('people', [['team', 'teams']]), model('teams', [['lead', 'people']])]);
		expect(order.order).toEqual(['people', 'teams']);
		expect(order.deferred).toEqual({ people: ['team'] });
	});

	it('ignores links to collections outside the selection', () => {
		const order = planWriteOrder([model('articles', [['author', 'directus_users'], ['cover', 'directus_files']])]);
		expect(order).toEqual({ order: ['articles'], deferred: {}, requiredCycles: [] });
	});

	it('never defers a required link of a two-collection cycle: it defers the nullable one', () => {
		// people.team is NOT NULL: a person cannot be created before their team.
		const order = planWriteOrder([model('people', [['team', 'teams', false]]), model('teams', [['lead', 'people']])]);
		expect(order.deferred).toEqual({ teams: ['lead'] });
		expect(order.order).toEqual(['teams', 'people']);
		expect(order.requiredCycles).toEqual([]);
	});

	it('breaks a three-collection cycle by deferring exactly one link, a nullable one', () => {
		const order = planWriteOrder([
			model('a', [['b', 'b', false]]),
			model('b', [['c', 'c']]),
			model('c', [['a', 'a', false]]),
		]);
		expect(order.deferred).toEqual({ b: ['c'] });
		// b's link waits; c needs a, a needs b: b, then a, then c.
		expect(order.order).toEqual(['b', 'a', 'c']);
	});

	it('defers one link of a three-collection cycle even when all are nullable', () => {
		const order = planWriteOrder([model('a', [['b', 'b']]), model('b', [['c', 'c']]), model('c', [['a', 'a']])]);
		expect(Object.values(order.deferred).flat()).toHaveLength(1);
	});

	it('defers a nullable self-reference, and keeps the required links of the same collection', () => {
		const order = planWriteOrder([model('categories', [['parent', 'categories'], ['owner', 'owners', false]]), model('owners')]);
		expect(order.deferred).toEqual({ categories: ['parent'] });
		expect(order.order).toEqual(['owners', 'categories']);
	});

	it('reports a cycle made only of required links, naming its links, instead of deferring one', () => {
		const order = planWriteOrder([model('people', [['team', 'teams', false]]), model('teams', [['lead', 'people', false]]), model('tags')]);
		expect(order.deferred).toEqual({});
		expect(order.requiredCycles).toEqual([
			[
				{ collection: 'people', field: 'team', related: 'teams' },
				{ collection: 'teams', field: 'lead', related: 'people' },
			],
		]);
		expect(planWriteOrder([model('nodes', [['next', 'nodes', false]])]).requiredCycles).toEqual([[{ collection: 'nodes', field: 'next', related: 'nodes' }]]);
	});

	it('refuses before any write a cycle of required links whose collections hold rows, naming the links', () => {
		const cycle = [
			{ collection: 'people', field: 'team', related: 'teams' },
			{ collection: 'teams', field: 'lead', related: 'people' },
		];
		const planned = (items: number) =>
			new Map(['people', 'teams'].map((collection) => [collection, { collection, items } as PlannedCollection]));
		expect(() => assertWritable([cycle], planned(0))).not.toThrow();
		let refusal: unknown;
		try {
			assertWritable([cycle], planned(2));
		} catch (error) {
			refusal = error;
		}
		expect(refusal).toMatchObject({ code: 'INVALID_OPTIONS', details: { requiredCycles: [cycle] } });
		expect((refusal as Error).message).toContain('people.team → teams, teams.lead → people');
	});

	it('orders M2A junctions after every collection they may point to', () => {
		const junction = model('pages_blocks', [['pages_id', 'pages']]);
		junction.links.push({ field: 'item', related: null, allowed: ['block_text', 'block_hero'], nullable: true });
		const order = planWriteOrder([junction, model('pages'), model('block_text'), model('block_hero')]);
		expect(order.order.indexOf('pages_blocks')).toBe(3);
	});
});

describe('comparing rows', () => {
	it('creates what is missing, updates only differing fields, counts the rest unchanged', () => {
		const existing = new Map([
			['1', { id: 1, title: 'same', views: 3 }],
			['2', { id: 2, title: 'old', views: 3 }],
		]);
		const diff = diffRows(
			[
				{ id: 1, title: 'same', views: 3 },
				{ id: 2, title: 'new', views: 3 },
				{ id: 3, title: 'fresh', views: 0 },
			],
			existing,
			'id',
			['id', 'title', 'views'],
		);
		expect(diff).toEqual({ toCreate: [{ id: 3, title: 'fresh', views: 0 }], toUpdate: [{ id: 2, title: 'new' }], unchanged: 1 });
	});

	it('sees the same value in the spellings of two databases', () => {
		expect(valuesEqual('12.50', 12.5, 'decimal')).toBe(true);
		expect(valuesEqual(1, true, 'boolean')).toBe(true);
		expect(valuesEqual('2026-01-01T10:00:00.000Z', '2026-01-01T10:00:00Z', 'timestamp')).toBe(true);
		expect(valuesEqual('2026-01-01T10:00:00', '2026-01-01 10:00:00', 'dateTime')).toBe(true);
		expect(valuesEqual({ a: 1, b: [1, 2] }, '{"b":[1,2],"a":1}', 'json')).toBe(true);
	});

	it('still sees real changes', () => {
		expect(valuesEqual('1.0', '1', 'string')).toBe(false);
		expect(valuesEqual({ a: 1 }, { a: 2 }, 'json')).toBe(false);
		expect(valuesEqual(null, 0, 'integer')).toBe(false);
		expect(valuesEqual('2026-01-01T10:00:00Z', '2026-01-01T10:00:01Z', 'timestamp')).toBe(false);
		expect(valuesEqual([1, 2], [2, 1], 'json')).toBe(false);
	});
});

describe('batches and plans', () => {
	it('splits a batch so no request body passes the limit', () => {
		const rows = Array.from({ length: 10 }, (_, id) => ({ id, text: 'x'.repeat(100) }));
		const parts = splitBySize(rows, 400);
		expect(parts.flat()).toEqual(rows);
		for (const part of parts) expect(JSON.stringify(part).length).toBeLessThanOrEqual(400);
	});

	it('finds the plan in $last, in a named step, or as JSON, and names the option when there is none', () => {
		const plan = { kind: 'directus-migration-plan', version: 1 };
		expect(findPlan(undefined, { $last: { plan } })).toBe(plan);
		expect(findPlan('extract', { extract: { plan }, $last: {} })).toBe(plan);
		expect(findPlan(JSON.stringify(plan), {})).toEqual(plan);
		expect(() => findPlan(undefined, { $last: { ok: true } })).toThrow(/plan:/);
		expect(() => findPlan('nope', {})).toThrow(/no step "nope"/);
	});

	it('selects changes by date_updated, else date_created, and always rows with neither date', () => {
		const filter = changedSince(
			model('articles', [], { stamps: { dateCreated: ['created'], dateUpdated: ['updated'], userCreated: [], userUpdated: [] } }),
			'2026-01-01T00:00:00Z',
		);
		expect(filter).toEqual({
			_or: [
				{ updated: { _gte: '2026-01-01T00:00:00Z' } },
				{ _and: [{ updated: { _null: true } }, { created: { _gte: '2026-01-01T00:00:00Z' } }] },
				{ _and: [{ updated: { _null: true } }, { created: { _null: true } }] },
			],
		});
		expect(changedSince(model('tags'), '2026-01-01T00:00:00Z')).toBeNull();
	});

	it('orders folders parents first', () => {
		const ordered = parentsFirst([
			{ id: 'c', parent: 'b' },
			{ id: 'b', parent: 'a' },
			{ id: 'a', parent: null },
		]);
		expect(ordered.map((folder) => folder['id'])).toEqual(['a', 'b', 'c']);
	});
});
