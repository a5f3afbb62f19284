import type { Relation } from '@directus/types';
import { describe, expect, it } from 'vitest';
import type { CollectionModel, Link } from '../../src/lib/plan/collection-model.js';
import { planRelatedRows, through } from '../../src/lib/plan/related-rows.js';

function model(collection: string, links: Link[] = []): CollectionModel {
	return {
		collection,
		primaryKey: 'id',
		autoIncrement: true,
		singleton: false,
		fields: ['id', ...links.map((link) => link.field)],
		types: { id: 'integer' },
		links,
		stamps: { dateCreated: [], dateUpdated: [], userCreated: [], userUpdated: [] },
		concealed: [],
	};
}
const m2o = (field: string, related: string): Link => ({ field, related, nullable: true });

/** A page builder: pages ← pages_blocks (M2A: block_text | block_hero); text blocks have an image and an author. */
const models = new Map(
	[
		model('pages'),
		model('pages_blocks', [m2o('pages_id', 'pages'), { field: 'item', related: null, allowed: ['block_text', 'block_hero'], collectionField: 'collection', nullable: true }]),
		model('block_text', [m2o('image', 'directus_files'), m2o('author', 'authors')]),
		model('block_hero'),
		model('authors', [m2o('avatar', 'directus_files')]),
	].map((entry) => [entry.collection, entry]),
);
const relations = [
	{ collection: 'pages_blocks', field: 'pages_id', related_collection: 'pages', meta: { junction_field: 'item', one_field: 'blocks' } },
	{ collection: 'pages_blocks', field: 'item', related_collection: null, meta: { junction_field: 'pages_id', one_allowed_collections: ['block_text', 'block_hero'], one_collection_field: 'collection' } },
	{ collection: 'block_text', field: 'image', related_collection: 'directus_files', meta: null },
	{ collection: 'block_text', field: 'author', related_collection: 'authors', meta: null },
] as unknown as Relation[];
const modelOf = (collection: string) => models.get(collection)!;

describe('rows chosen items need (includeRelated)', () => {
	it('follows a page to its M2A junction rows, to the blocks they point at, and to what the blocks link to', () => {
		const page = { id: { _in: [1] } };
		const related = planRelatedRows({ collection: 'pages', filter: page }, relations, modelOf);
		const junction = { pages_id: { id: { _in: [1] } } };
		const blocksOf = (collection: string) => ({
			'$FOLLOW(pages_blocks,item,collection)': { _some: { id: { _nnull: true }, _and: [junction, { collection: { _eq: collection } }] } },
		});
		expect(related).toEqual([
			{ collection: 'pages_blocks', filter: junction, createOnly: false },
			{ collection: 'block_text', filter: blocksOf('block_text'), createOnly: false },
			{ collection: 'block_hero', filter: blocksOf('block_hero'), createOnly: false },
			{ collection: 'authors', filter: { '$FOLLOW(block_text,author)': { _some: { id: { _nnull: true }, _and: [blocksOf('block_text')] } } }, createOnly: true },
		]);
	});

	it('describes related rows by criteria, so the plan is as small for ten thousand chosen rows as for one', () => {
		const related = planRelatedRows({ collection: 'pages', filter: { status: { _eq: 'published' } } }, relations, modelOf);
		expect(JSON.stringify(related).length).toBeLessThan(2_000);
	});

	it('lifts logical operators out of a filter put through an M2O, as Directus reads only plain paths there', () => {
		expect(through('pages_id', { _and: [{ status: { _eq: 'a' } }, { _or: [{ id: { _in: [1] } }, { id: { _null: true } }] }] })).toEqual({
			_and: [{ pages_id: { status: { _eq: 'a' } } }, { _or: [{ pages_id: { id: { _in: [1] } } }, { pages_id: { id: { _null: true } } }] }],
		});
		expect(through('pages_id', { status: { _eq: 'a' }, id: { _gt: 1 } })).toEqual({
			_and: [{ pages_id: { status: { _eq: 'a' } } }, { pages_id: { id: { _gt: 1 } } }],
		});
	});
});
