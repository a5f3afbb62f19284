import { describe, expect, it } from 'vitest';
import type { SnapshotDiff } from '@directus/types';
import { restrictDiff, summarizeDiff } from '../../src/lib/schema/diff-summary.js';
import { resolveCollectionScope } from '../../src/lib/schema/scope.js';
import { scrub } from '../../src/lib/operation.js';

const diff = {
	collections: [
		{ collection: 'posts', diff: [{ kind: 'N', rhs: {} }] },
		{ collection: 'old', diff: [{ kind: 'D', lhs: {} }] },
	],
	fields: [
		{ collection: 'posts', field: 'title', diff: [{ kind: 'N', rhs: {} }] },
		{ collection: 'pages', field: 'body', diff: [{ kind: 'E', path: ['meta', 'note'], lhs: 'a', rhs: 'b' }] },
		{ collection: 'pages', field: 'legacy', diff: [{ kind: 'D', lhs: {} }] },
		{ collection: 'pages', field: 'owner', diff: [{ kind: 'E', path: ['schema', 'data_type'], lhs: 'varchar', rhs: 'char' }] },
	],
	systemFields: [],
	relations: [{ collection: 'posts', field: 'author', related_collection: 'people', diff: [{ kind: 'N', rhs: {} }] }],
} as unknown as SnapshotDiff;

describe('schema diff summaries', () => {
	it('lists per collection what is created, updated and deleted', () => {
		const summary = summarizeDiff(restrictDiff(diff, 'mirror', null));
		expect(summary.inSync).toBe(false);
		expect(summary.collections['posts']).toEqual({
			change: 'create',
			fields: { create: ['title'], update: [], delete: [] },
			relations: { create: ['author → people'], update: [], delete: [] },
		});
		expect(summary.collections['pages']!.fields).toEqual({ create: [], update: ['body'], delete: ['legacy'] });
		expect(summary.counts.collections).toEqual({ create: 1, update: 0, delete: 1 });
	});

	it('merge mode keeps no deletion', () => {
		const summary = summarizeDiff(restrictDiff(diff, 'merge', null));
		expect(summary.counts.collections.delete).toBe(0);
		expect(summary.counts.fields.delete).toBe(0);
		expect(summary.collections['old']).toBeUndefined();
	});

	it('a scope keeps only its own collections', () => {
		const summary = summarizeDiff(restrictDiff(diff, 'mirror', new Set(['pages'])));
		expect(Object.keys(summary.collections)).toEqual(['pages']);
	});

	it('a column type name that differs alone is not a difference', () => {
		const summary = summarizeDiff(restrictDiff(diff, 'mirror', null));
		expect(summary.collections['pages']!.fields.update).not.toContain('owner');
	});

	it('no diff means in sync', () => {
		expect(summarizeDiff(null)).toMatchObject({ inSync: true, collections: {} });
	});
});

describe('collection scopes', () => {
	const snapshot = {
		collections: [
			{ collection: 'content', meta: { group: null } },
			{ collection: 'blog', meta: { group: 'content' } },
			{ collection: 'posts', meta: { group: 'blog' } },
			{ collection: 'logs', meta: { group: null } },
		],
	} as any;

	it('selects every collection when nothing is named', () => {
		expect(resolveCollectionScope(snapshot, { collections: [], excludeCollections: [] })).toBeNull();
	});

	it('adds the folders that hold a selected collection', () => {
		expect([...resolveCollectionScope(snapshot, { collections: ['posts'], excludeCollections: [] })!].sort()).toEqual([
			'blog',
			'content',
			'posts',
		]);
	});

	it('lets excludeCollections win over collections', () => {
		const scope = resolveCollectionScope(snapshot, { collections: ['posts'], excludeCollections: ['logs'] })!;
		expect(scope.has('logs')).toBe(false);
		expect(scope.has('content')).toBe(true);
	});

	it('refuses unknown and system collections, naming them', () => {
		expect(() => resolveCollectionScope(snapshot, { collections: ['nope', 'directus_users'], excludeCollections: [] })).toThrow(
			/collections: "nope" is not a collection of the source; collections: "directus_users" is a Directus system collection/,
		);
	});
});

describe('scrubbing secrets', () => {
	it('replaces a secret wherever it appears in a result', () => {
		expect(scrub({ a: 'x secret-token y', b: ['secret-token'] }, ['secret-token'])).toEqual({ a: 'x [redacted] y', b: ['[redacted]'] });
		const untouched = { a: 1 };
		expect(scrub(untouched, ['secret-token'])).toBe(untouched);
	});
});
