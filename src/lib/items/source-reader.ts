import type { Filter, SchemaOverview } from '@directus/types';
import { MigrationError } from '../errors.js';
import type { MigrationContext } from '../operation.js';
import type { CollectionModel } from '../plan/collection-model.js';
import type { Row } from './diff-rows.js';

export function and(...filters: (Filter | null | undefined)[]): Filter | null {
	const present = filters.filter((filter): filter is Filter => !!filter && Object.keys(filter).length > 0);
	if (present.length === 0) return null;
	if (present.length === 1) return present[0]!;
	return { _and: present } as Filter;
}

/** Reads source items in process, with full access and without firing read events. */
export class SourceItems {
	private readonly context: MigrationContext;
	private readonly schema: SchemaOverview;

	constructor(context: MigrationContext, schema: SchemaOverview) {
		this.context = context;
		this.schema = schema;
	}

	private service(collection: string) {
		return new this.context.services.ItemsService(collection, {
			knex: this.context.database,
			schema: this.schema,
			accountability: null,
		});
	}

	/**
	 * The items matching `filter`, `batchSize` at a time, by keyset pagination on the primary key: memory
	 * stays flat whatever the table size, and rows added meanwhile cannot shift a page.
	 */
	async *batches(model: CollectionModel, filter: Filter | null, fields: string[], batchSize: number): AsyncGenerator<Row[]> {
		const service = this.service(model.collection);
		const key = model.primaryKey;
		if (model.singleton) {
			const row = (await this.read(() => service.readSingleton({ fields }, { emitEvents: false }))) as Row | null;
			if (row && row[key] !== null && row[key] !== undefined) yield [row];
			return;
		}
		let cursor: unknown;
		for (;;) {
			const page = (await this.read(() =>
				service.readByQuery(
					{
						fields,
						filter: and(filter, cursor === undefined ? null : ({ [key]: { _gt: cursor } } as Filter)) ?? undefined,
						sort: [key],
						limit: batchSize,
					},
					{ emitEvents: false },
				),
			)) as Row[];
			if (page.length === 0) return;
			yield page;
			if (page.length < batchSize) return;
			cursor = page[page.length - 1]![key];
		}
	}

	async count(collection: string, filter: Filter | null): Promise<number> {
		const result = (await this.read(() =>
			this.service(collection).readByQuery(
				{ aggregate: { count: ['*'] }, filter: filter ?? undefined },
				{ emitEvents: false },
			),
		)) as { count: number | string }[];
		return Number(result[0]?.count ?? 0);
	}

	/** Which of `keys` exist on the source. */
	async existingKeys(model: CollectionModel, keys: unknown[]): Promise<Set<string>> {
		if (keys.length === 0) return new Set();
		const rows = (await this.read(() =>
			this.service(model.collection).readByQuery(
				{ fields: [model.primaryKey], filter: { [model.primaryKey]: { _in: keys } } as Filter, limit: -1 },
				{ emitEvents: false },
			),
		)) as Row[];
		return new Set(rows.map((row) => String(row[model.primaryKey])));
	}

	private async read<T>(run: () => Promise<T>): Promise<T> {
		try {
			return await run();
		} catch (error) {
			const message = (error as Error)?.message ?? String(error);
			throw new MigrationError('SOURCE_ERROR', `Reading the source failed: ${message}`);
		}
	}
}
