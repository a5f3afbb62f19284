import type { Filter, SchemaOverview } from '@directus/types';
import type { DestinationClient } from '../destination/client.js';
import { DestinationItems } from '../items/destination-items.js';
import type { Row } from '../items/diff-rows.js';
import { and, keyIsOrdered, SourceItems } from '../items/source-reader.js';
import type { MigrationContext } from '../operation.js';
import type { CollectionModel } from '../plan/collection-model.js';
import { unequalRows } from '../items/checksum-compare.js';
import { MAX_RECEIVER_KEYS, MAX_RECEIVER_ROWS } from '../receiver/protocol.js';

/**
 * The source of an `updatedAfter: "auto"` run. A date filter alone misses rows whose dates are older
 * than the marker although the destination never received them (an import, rows that came from another
 * Directus with their original dates). For the collections in `catchUp`, every batch is therefore cut
 * from a walk of the whole table's keys, page by page: a page yields its rows changed since the marker
 * and, besides, its rows whose keys the destination does not have (one keyed look-up per page). Memory
 * holds one page of keys; no set of every key is ever built.
 *
 * When a collection is walked again in the same run (the second pass that writes the links of a cycle),
 * rows picked up as missing must get their links too, but they are no longer missing: such a collection
 * is then walked without the date filter (only the few deferred fields are compared).
 */
export class CatchUpSource extends SourceItems {
	/** Rows picked up only because the destination lacked their key, by collection. */
	readonly pickedUp: Record<string, number> = {};
	private readonly client: DestinationClient;
	private readonly catchUp: Set<string>;
	/** Whether the destination's receiver has the absent-keys route (an earlier version has not). */
	private receiverLooksUpKeys = true;

	constructor(context: MigrationContext, schema: SchemaOverview, client: DestinationClient, catchUp: Iterable<string>) {
		super(context, schema);
		this.client = client;
		this.catchUp = new Set(catchUp);
	}

	override async *batches(model: CollectionModel, filter: Filter | null, fields: string[], batchSize: number, expected?: number): AsyncGenerator<Row[]> {
		const collection = model.collection;
		if (!this.catchUp.has(collection) || model.singleton || filter === null) {
			yield* super.batches(model, filter, fields, batchSize, expected);
			return;
		}
		if (collection in this.pickedUp) {
			yield* super.batches(model, this.pickedUp[collection]! > 0 ? null : filter, fields, batchSize);
			return;
		}
		this.pickedUp[collection] = 0;
		const key = model.primaryKey;
		const destination = new DestinationItems(this.client, collection, key);
		const keyIn = (keys: unknown[]) => ({ [key]: { _in: keys } }) as Filter;
		// Through the receiver, the destination looks a page's keys up itself, so a page can be as long
		// as a request may name; over REST, the destination's keys are read.
		const throughReceiver = this.client.writePath.kind === 'receiver';
		const pageSize = throughReceiver ? Math.max(batchSize, MAX_RECEIVER_KEYS) : batchSize;
		let cursor: unknown;
		for (;;) {
			// Through the receiver, a page of consecutive integer keys is counted, not read: its keys are
			// every integer from its first to its last (and travel as one run, see DestinationItems.absentKeys).
			const consecutive = throughReceiver && this.receiverLooksUpKeys ? await this.consecutiveKeyPage(model, cursor, pageSize) : null;
			const keys = consecutive ? Array.from({ length: consecutive.count }, (_, index) => consecutive.first + index) : await this.keyPage(model, cursor, pageSize);
			if (keys.length === 0) return;
			const rows: Row[] = [];
			// No row matched the date filter when the run was planned: none to look for page by page (a row
			// changed since is newer than the marker this run leaves, and the next run takes it).
			if (expected !== 0) {
				// A page of numeric keys is every key after the cursor up to its last one, in the table's own
				// order: a range names it without listing them. Other keys (Directus filters a uuid or a
				// string by equality only) are named, a thousand at a time.
				const pages = keyIsOrdered(model)
					? [{ _and: [...(cursor === undefined ? [] : [{ [key]: { _gt: cursor } }]), { [key]: { _lte: keys[keys.length - 1] } }] } as Filter]
					: chunks(keys, MAX_RECEIVER_ROWS).map(keyIn);
				for (const page of pages) for await (const changed of super.batches(model, and(filter, page), fields, batchSize)) rows.push(...changed);
			}
			const absent = await this.absentKeys(destination, model, keys, throughReceiver);
			const chosen = new Set(rows.map((row) => String(row[key])));
			const missing = absent.filter((value) => !chosen.has(String(value)));
			if (missing.length > 0) {
				for await (const found of super.batches(model, keyIn(missing), fields, missing.length, missing.length)) {
					rows.push(...found);
					this.pickedUp[collection] += found.length;
				}
			}
			// Cut to the batch size the writes expect.
			for (let start = 0; start < rows.length; start += batchSize) yield rows.slice(start, start + batchSize);
			if (keys.length < pageSize) return;
			cursor = keys[keys.length - 1];
		}
	}

	/** The keys of `keys` the destination lacks. */
	private async absentKeys(destination: DestinationItems, model: CollectionModel, keys: unknown[], throughReceiver: boolean): Promise<unknown[]> {
		const key = model.primaryKey;
		if (throughReceiver && this.receiverLooksUpKeys) {
			const absent: unknown[] = [];
			for (let start = 0; start < keys.length; start += MAX_RECEIVER_KEYS) {
				const found = await destination.absentKeys(keys.slice(start, start + MAX_RECEIVER_KEYS));
				if (found === null) {
					this.receiverLooksUpKeys = false;
					return this.absentKeys(destination, model, keys, throughReceiver);
				}
				absent.push(...found);
			}
			return absent;
		}
		if (throughReceiver) {
			// A receiver of an earlier version: checksums of the keys alone, a chunk at a time.
			const { missing } = await unequalRows(destination, keys.map((value) => ({ [key]: value })), key, [key], model.types);
			return missing.map((row) => row[key]);
		}
		const present = await destination.readByKeys(keys, []);
		return keys.filter((value) => !present.has(String(value)));
	}
}

function chunks<T>(values: T[], size: number): T[][] {
	const parts: T[][] = [];
	for (let start = 0; start < values.length; start += size) parts.push(values.slice(start, start + size));
	return parts;
}
