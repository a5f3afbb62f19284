import type { SchemaOverview } from '@directus/types';
import type { DestinationClient } from '../destination/client.js';
import type { CollectionModel } from '../plan/collection-model.js';
import { DestinationItems } from './destination-items.js';
import type { Row } from './diff-rows.js';

/** How many answers the guard remembers per linked collection; past it, it forgets and asks again. */
export const REMEMBERED_KEYS = 10_000;

/**
 * Keeps links valid on the destination. A link to a row this run does not write in full (a user, a
 * file, an item of a collection outside the plan or only partly in it) is checked there; a link to a
 * row the destination lacks is set to null and counted, so that a missing user never fails the run and
 * a missing row is never referenced silently. A required (NOT NULL) M2O link is left as it is: the
 * destination refuses the row, which is reported as a failure. An M2A item (`collection` + `item`) is
 * checked in the collection its row names; when its target is missing it is set to null, counted when
 * the field allows it, else refused by the destination like a required M2O.
 * Answers are remembered per linked collection up to REMEMBERED_KEYS keys, so memory stays bounded.
 */
export class LinkGuard {
	private readonly client: DestinationClient;
	private readonly writtenInFull: Set<string>;
	private readonly schema: SchemaOverview;
	/** Per linked collection: key → whether the destination has it. */
	private readonly known = new Map<string, Map<string, boolean>>();
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
			if (link.related) {
				if (this.writtenInFull.has(link.related)) continue;
				if (!link.nullable) continue;
				await this.nullMissing(model.collection, link.field, link.related, rows, true);
			} else if (link.collectionField) {
				const byTarget = new Map<string, Row[]>();
				for (const row of rows) {
					const target = row[link.collectionField];
					if (typeof target !== 'string' || !(link.allowed ?? []).includes(target) || this.writtenInFull.has(target)) continue;
					byTarget.set(target, [...(byTarget.get(target) ?? []), row]);
				}
				for (const [target, targetRows] of byTarget) await this.nullMissing(model.collection, link.field, target, targetRows, link.nullable);
			}
		}
	}

	/** Sets `field` to null in the rows whose value `target` lacks on the destination; counts it when `counted`. */
	private async nullMissing(collection: string, field: string, target: string, rows: Row[], counted: boolean): Promise<void> {
		const values = [...new Set(rows.map((row) => row[field]).filter((value) => value !== null && value !== undefined))];
		if (values.length === 0) return;
		const present = await this.lookUp(target, values);
		let count = 0;
		for (const row of rows) {
			const value = row[field];
			if (value !== null && value !== undefined && !present.has(String(value))) {
				row[field] = null;
				count++;
			}
		}
		if (count > 0 && counted) {
			const label = `${collection}.${field} → ${target}`;
			this.nulled.set(label, (this.nulled.get(label) ?? 0) + count);
		}
	}

	/** Which of `values` the destination has in `target`. */
	private async lookUp(target: string, values: unknown[]): Promise<Set<string>> {
		let known = this.known.get(target);
		if (!known || known.size + values.length > REMEMBERED_KEYS) {
			known = new Map();
			this.known.set(target, known);
		}
		const unknown = values.filter((value) => !known!.has(String(value)));
		if (unknown.length > 0) {
			const primaryKey = this.schema.collections[target]?.primary ?? 'id';
			const present = await new DestinationItems(this.client, target, primaryKey).existingKeys(unknown);
			for (const value of unknown) known.set(String(value), present.has(String(value)));
		}
		return new Set(values.map(String).filter((value) => known!.get(value)));
	}
}
