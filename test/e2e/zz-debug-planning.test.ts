import { it } from 'vitest';
import { startPair } from '../harness/pair.ts';
import { createCollection, integerKey, stringField, uuidKey } from '../harness/schema-fixtures.ts';

it('debug', async () => {
	const pair = await startPair();
	const source = pair.source;
	try {
		await createCollection(source, 'block_text', [integerKey, stringField('text')]);
		await createCollection(source, 'block_hero', [uuidKey, stringField('headline')]);
		await createCollection(source, 'pages', [integerKey, stringField('title')]);
		await createCollection(source, 'pages_blocks', [integerKey, stringField('collection'), stringField('item'), { field: 'pages_id', type: 'integer', meta: { hidden: true }, schema: {} }], { hidden: true });
		await source.api('POST', '/fields/pages', { field: 'blocks', type: 'alias', meta: { interface: 'list-m2a', special: ['m2a'] } });
		await source.api('POST', '/relations', { collection: 'pages_blocks', field: 'item', related_collection: null, meta: { one_allowed_collections: ['block_text', 'block_hero'], one_collection_field: 'collection', junction_field: 'pages_id' } });
		await source.api('POST', '/relations', { collection: 'pages_blocks', field: 'pages_id', related_collection: 'pages', meta: { one_field: 'blocks', junction_field: 'item' }, schema: { on_delete: 'CASCADE' } });
		await source.api('POST', '/items/block_text', [{ text: 'a' }, { text: 'b' }, { text: 'c' }]);
		await source.api('POST', '/items/pages', [{ title: 'Home' }, { title: 'Other' }]);
		await source.api('POST', '/items/pages_blocks', [{ pages_id: 1, collection: 'block_text', item: '1' }, { pages_id: 2, collection: 'block_text', item: '2' }]);
		const q = async (collection: string, filter: object) => {
			try {
				const rows = await source.api('GET', `/items/${collection}?fields=id&filter=${encodeURIComponent(JSON.stringify(filter))}`);
				console.log(collection, JSON.stringify(filter), '→', JSON.stringify(rows));
			} catch (error) {
				console.log(collection, JSON.stringify(filter), '→ ERROR', String(error).slice(0, 300));
			}
		};
		await q('block_text', { '$FOLLOW(pages_blocks,item,collection)': { _some: { id: { _nnull: true }, _and: [{ pages_id: { id: { _in: [1] } } }, { collection: { _eq: 'block_text' } }] } } });
		await q('pages', { '$FOLLOW(pages_blocks,pages_id)': { _some: { id: { _nnull: true }, _and: [{ collection: { _eq: 'block_text' } }, { item: { _eq: '2' } }] } } });
		await q('pages', { '$FOLLOW(pages_blocks,pages_id)': { _some: { item: { _eq: '2' }, collection: { _eq: 'block_text' } } } });
		await q('pages', { '$FOLLOW(pages_blocks,pages_id)': { _some: { item: { _eq: '2' } } } });
		await q('pages', { '$FOLLOW(pages_blocks,pages_id)': { _some: { collection: { _eq: 'block_text' } } } });
		await q('pages', { '$FOLLOW(pages_blocks,pages_id)': { _some: { id: { _nnull: true }, _or: [{ item: { _eq: '2' } }, { item: { _eq: '9' } }] } } });
	} finally {
		await pair.stop();
	}
});
