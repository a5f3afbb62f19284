import type { SchemaOverview } from '@directus/types';
import type { DestinationClient } from '../destination/client.js';
import type { CollectionModel } from '../plan/collection-model.js';
import { DestinationItems } from './destination-items.js';
import type { Row } from './diff-rows.js';

interface KnownKeys {
	present: Set<string>;
	missing: Set<string>;
}

/**
 * Keeps links valid on the destination. A link to a row this run does not write (a user, a file, an
 * item of a collection outside the plan) is checked there; a link to a row the destination lacks is
 * set to null when the field allows it and counted, so that a missing user never fails the run.
 * Answers are cached: each linked key is looked up once per run.
 */
export class LinkGuard {
	private readonly client: DestinationClient;
	private readonly writtenInFull: Set<string>;
	private readonly schema: SchemaOverview;
	private readonly known = new Map<string, KnownKeys>();
	/** How many links were set to null, by "collection.field → target". */
	readonly nulled = new Map<string, number>();

	constructor(client: DestinationClient, schema: SchemaOverview, writtenInFull: Set<string>) {
		this.client = client;
		this.schema = schema;
		this.writtenInFull = writtenInFull;
	}

	/** Rewrites `rows` in place. */
	async apply(model: CollectionModel, rows: Row[]): Promise<void> {
		for (const link of model.links) {
			const target = link.related;
			if (!target || this.writtenInFull.has(target)) continue;
			const values = [...new Set(rows.map((row) => row[link.field]).filter((value) => value !== null && value !== undefined))];
			if (values.length === 0) continue;
			const known = await this.lookUp(target, values);
			if (!link.nullable) continue;
			let count = 0;
			for (const row of rows) {
				const value = row[link.field];
				if (value !== null && value !== undefined && known.missing.has(String(value))) {
					row[link.field] = null;
					count++;
				}
			}
			if (count > 0) {
				const label = `${model.collection}.${link.field} → ${target}`;
				this.nulled.set(label, (this.nulled.get(label) ?? 0) + count);
			}
		}
	}

	private async lookUp(target: string, values: unknown[]): Promise<KnownKeys> {
		let known = this.known.get(target);
		if (!known) {
			known = { present: new Set(), missing: new Set() };
			this.known.set(target, known);
		}
		const unknown = values.filter((value) => !known!.present.has(String(value)) && !known!.missing.has(String(value)));
		if (unknown.length > 0) {
			const primaryKey = this.schema.collections[target]?.primary ?? 'id';
			const present = await new DestinationItems(this.client, target, primaryKey).existingKeys(unknown);
			for (const value of unknown) (present.has(String(value)) ? known.present : known.missing).add(String(value));
		}
		return known;
	}
}
