import type { DirectusInstance } from './instance.ts';
import { createBlogSchema } from './schema-fixtures.ts';

/** Sample content for the demo: the blog schema with a few authors, tags, articles and the singleton. */
export async function seedBlog(source: DirectusInstance, articleCount = 25): Promise<void> {
	await createBlogSchema(source);
	await source.api('POST', '/items/authors', [{ name: 'Ada' }, { name: 'Grace' }, { name: 'Linus' }]);
	await source.api('POST', '/items/tags', [
		{ code: 'news', label: 'News' },
		{ code: 'howto', label: 'How-to' },
	]);
	const articles = Array.from({ length: articleCount }, (_, index) => ({
		title: `Article ${index + 1}`,
		status: index % 3 === 0 ? 'draft' : 'published',
		body: `<p>Body of article ${index + 1}</p>`,
		metadata: { words: 100 + index, featured: index % 5 === 0 },
		author: (index % 3) + 1,
		tags: [{ tags_id: index % 2 === 0 ? 'news' : 'howto' }],
	}));
	await source.api('POST', '/items/articles', articles);
	await source.api('PATCH', '/items/site_settings', { site_title: 'Demo site' });
}
