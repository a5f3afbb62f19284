import type { DirectusInstance } from './instance.ts';
import { createBlogSchema, createCollection, createManyToAny, createManyToOne, integerKey, stringField, stringKey } from './schema-fixtures.ts';

/**
 * Everything the content migration must carry, on top of the blog (integer, UUID and string keys,
 * M2O, O2M, M2M, a singleton, audit fields): a file field, a tree (self M2O), two collections that
 * point at each other (a cycle), an M2A builder and translations.
 */
export async function createContentSchema(instance: DirectusInstance): Promise<void> {
	await createBlogSchema(instance);
	await instance.api('POST', '/fields/articles', { field: 'cover', type: 'uuid', meta: { interface: 'file-image', special: ['file'] }, schema: {} });
	await instance.api('POST', '/relations', { collection: 'articles', field: 'cover', related_collection: 'directus_files', schema: { on_delete: 'SET NULL' } });

	await createCollection(instance, 'categories', [integerKey, stringField('name')]);
	await createManyToOne(instance, 'categories', 'parent', 'categories', { oneField: 'children' });

	await createCollection(instance, 'teams', [integerKey, stringField('name')]);
	await createCollection(instance, 'people', [integerKey, stringField('name')]);
	await createManyToOne(instance, 'people', 'team', 'teams');
	await createManyToOne(instance, 'teams', 'lead', 'people');

	await createCollection(instance, 'block_text', [integerKey, { field: 'text', type: 'text', meta: { interface: 'input-multiline' }, schema: {} }]);
	await createCollection(instance, 'block_hero', [integerKey, stringField('headline')]);
	await createCollection(instance, 'pages', [integerKey, stringField('title')]);
	await createManyToAny(instance, { parent: 'pages', alias: 'blocks', junction: 'pages_blocks', blocks: ['block_text', 'block_hero'] });

	await createCollection(instance, 'languages', [stringKey('code'), stringField('name')]);
	await createCollection(instance, 'articles_translations', [integerKey, stringField('headline')], { hidden: true });
	await instance.api('POST', '/fields/articles_translations', { field: 'articles_id', type: 'uuid', meta: { hidden: true }, schema: {} });
	await instance.api('POST', '/fields/articles_translations', { field: 'languages_code', type: 'string', meta: { hidden: true }, schema: {} });
	await instance.api('POST', '/fields/articles', { field: 'translations', type: 'alias', meta: { interface: 'translations', special: ['translations'] } });
	await instance.api('POST', '/relations', {
		collection: 'articles_translations',
		field: 'articles_id',
		related_collection: 'articles',
		meta: { one_field: 'translations', junction_field: 'languages_code' },
		schema: { on_delete: 'CASCADE' },
	});
	await instance.api('POST', '/relations', {
		collection: 'articles_translations',
		field: 'languages_code',
		related_collection: 'languages',
		meta: { one_field: null, junction_field: 'articles_id' },
		schema: { on_delete: 'CASCADE' },
	});
}

export const CONTENT_COLLECTIONS = [
	'articles',
	'articles_tags',
	'articles_translations',
	'authors',
	'block_hero',
	'block_text',
	'categories',
	'languages',
	'pages',
	'pages_blocks',
	'people',
	'site_settings',
	'tags',
	'teams',
];

/** Uploads a file (bytes made up) to `instance`, optionally into a folder; returns its id. */
export async function uploadFile(
	instance: DirectusInstance,
	name: string,
	size: number,
	meta: Record<string, string> = {},
): Promise<string> {
	const form = new FormData();
	for (const [key, value] of Object.entries(meta)) form.append(key, value);
	const bytes = Buffer.alloc(size, name);
	form.append('file', new Blob([bytes], { type: 'text/plain' }), `${name}.txt`);
	const response = await fetch(`${instance.url}/files`, { method: 'POST', headers: { Authorization: `Bearer ${instance.token}` }, body: form });
	if (!response.ok) throw new Error(`upload ${name}: ${response.status} ${await response.text()}`);
	return ((await response.json()) as { data: { id: string } }).data.id;
}

/** Seeds every shape of content, with `articleCount` articles (more than a batch) and `categoryCount` tree nodes. */
export async function seedContent(source: DirectusInstance, options: { articleCount: number; categoryCount: number }): Promise<{ fileIds: string[] }> {
	const root = await source.api<{ id: string }>('POST', '/folders', { name: 'Media' });
	const child = await source.api<{ id: string }>('POST', '/folders', { name: 'Covers', parent: root.id });
	const fileIds: string[] = [];
	for (let index = 0; index < 5; index++) {
		fileIds.push(
			await uploadFile(source, `cover-${index}`, 20_000 + index * 1000, {
				folder: child.id,
				title: `Cover ${index}`,
				description: `The cover number ${index}`,
				tags: JSON.stringify(['cover', `n${index}`]),
				focal_point_x: String(10 + index),
				focal_point_y: String(20 + index),
			}),
		);
	}
	await source.api('POST', '/items/authors', [{ name: 'Ada' }, { name: 'Grace' }, { name: 'Linus' }]);
	await source.api('POST', '/items/tags', [
		{ code: 'news', label: 'News' },
		{ code: 'howto', label: 'How-to' },
		{ code: 'deep-dive', label: 'Deep dive' },
	]);
	await source.api('POST', '/items/languages', [
		{ code: 'en', name: 'English' },
		{ code: 'fr', name: 'French' },
	]);
	for (let start = 0; start < options.articleCount; start += 250) {
		const articles = Array.from({ length: Math.min(250, options.articleCount - start) }, (_, offset) => {
			const index = start + offset;
			return {
				title: `Article ${index + 1}`,
				status: index % 3 === 0 ? 'draft' : 'published',
				body: `<p>Body of article ${index + 1}</p>`,
				metadata: { words: 100 + index, featured: index % 5 === 0, nested: { rank: index } },
				author: (index % 3) + 1,
				cover: index % 7 === 0 ? fileIds[index % fileIds.length] : null,
				tags: [{ tags_id: ['news', 'howto', 'deep-dive'][index % 3] }],
				translations: index % 4 === 0 ? [{ languages_code: 'en', headline: `Headline ${index}` }, { languages_code: 'fr', headline: `Titre ${index}` }] : [],
			};
		});
		await source.api('POST', '/items/articles', articles);
	}
	await source.api('PATCH', '/items/site_settings', { site_title: 'Demo site' });

	// A tree: every category after the first has a parent among the earlier ones.
	const categories = Array.from({ length: options.categoryCount }, (_, index) => ({ id: index + 1, name: `Category ${index + 1}` }));
	await source.api('POST', '/items/categories', categories);
	const parents = categories.slice(1).map((category) => ({ id: category.id, parent: Math.max(1, Math.floor(category.id / 2)) }));
	await source.api('PATCH', '/items/categories', parents);

	// A cycle: people belong to teams, teams are led by people.
	await source.api('POST', '/items/teams', [{ id: 1, name: 'Core' }, { id: 2, name: 'Docs' }]);
	await source.api('POST', '/items/people', [{ id: 1, name: 'Alice', team: 1 }, { id: 2, name: 'Bob', team: 2 }, { id: 3, name: 'Carol', team: 1 }]);
	await source.api('PATCH', '/items/teams', [{ id: 1, lead: 1 }, { id: 2, lead: 2 }]);

	// An M2A page builder.
	await source.api('POST', '/items/block_text', [{ id: 1, text: 'Hello' }, { id: 2, text: 'World' }]);
	await source.api('POST', '/items/block_hero', [{ id: 1, headline: 'Big news' }]);
	await source.api('POST', '/items/pages', [{ id: 1, title: 'Home' }]);
	await source.api('POST', '/items/pages_blocks', [
		{ pages_id: 1, collection: 'block_hero', item: '1' },
		{ pages_id: 1, collection: 'block_text', item: '1' },
		{ pages_id: 1, collection: 'block_text', item: '2' },
	]);
	return { fileIds };
}
