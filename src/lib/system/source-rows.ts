import type { SchemaOverview } from '@directus/types';
import { MigrationError } from '../errors.js';
import type { MigrationContext } from '../operation.js';
import { orderParentFirst } from './dependency-order.js';
import type { Id, Row, SystemKind } from './kinds.js';

export const PAGE_SIZE = 200;

/**
 * Reads the source's system rows in process (full access), page by page in key order. Collections with
 * a parent field (roles, folders) are small and read whole, to come parent first.
 */
export class SourceRows {
	private readonly context: MigrationContext;
	private schema: SchemaOverview | null = null;

	constructor(context: MigrationContext) {
		this.context = context;
	}

	async *pages(kind: SystemKind): AsyncGenerator<Row[]> {
		const fields = ['id', ...kind.fields, ...(kind.links ?? [])];
		if (kind.parentField) {
			const rows = await this.read(kind.collection, { fields, sort: ['id'], limit: -1 });
			const { ordered } = orderParentFirst(rows, kind.parentField);
			for (let start = 0; start < ordered.length; start += PAGE_SIZE) yield ordered.slice(start, start + PAGE_SIZE);
			return;
		}
		let after: Id | null = null;
		for (;;) {
			const page = await this.read(kind.collection, {
				fields,
				filter: after === null ? null : { id: { _gt: after } },
				sort: ['id'],
				limit: PAGE_SIZE,
			});
			if (page.length === 0) return;
			yield page;
			if (page.length < PAGE_SIZE) return;
			after = page[page.length - 1]!['id'] as Id;
		}
	}

	async all(collection: string, fields: string[], filter: Record<string, unknown> | null = null): Promise<Row[]> {
		return this.read(collection, { fields, filter, limit: -1 });
	}

	async settings(): Promise<Row> {
		const rows = await this.read('directus_settings', { fields: ['*'], limit: 1 });
		return rows[0] ?? {};
	}

	private async read(collection: string, query: Record<string, unknown>): Promise<Row[]> {
		const { services, database, getSchema } = this.context;
		try {
			const schema = (this.schema ??= await getSchema({ database }));
			const service = new services.ItemsService(collection, { knex: database, schema, accountability: null });
			const cleaned = Object.fromEntries(Object.entries(query).filter(([, value]) => value !== null));
			return (await service.readByQuery(cleaned)) as Row[];
		} catch (error) {
			throw new MigrationError('SOURCE_ERROR', `Could not read ${collection} on the source: ${(error as Error).message}`);
		}
	}
}
