import type { Snapshot } from '@directus/types';
import type { DestinationClient } from '../destination/client.js';
import { MigrationError } from '../errors.js';
import type { MigrationContext } from '../operation.js';
import { readDestinationSnapshot } from './destination-schema.js';
import { fieldTypes } from './diff-summary.js';
import { convertSnapshot, floatFields, vendorsDiffer, type FloatRange, type VendorConversion } from './vendor-conversion.js';

/** The snapshot to diff with, and what crossing vendors changed in it (nothing on the same vendor). */
export interface VendorPlan {
	snapshot: Snapshot;
	/** The source's field types when the vendors differ (the diff then ignores vendor spellings); else null. */
	acrossVendors: Record<string, string> | null;
	conversions: VendorConversion[];
}

/**
 * Prepares a source snapshot for a destination on another database vendor: gathers the facts (the
 * destination's snapshot, the range of each SQLite float column), then converts (pure). A field no
 * conversion can carry is refused by name before anything is written (SCHEMA_MISMATCH).
 */
export async function planAcrossVendors(context: MigrationContext, client: DestinationClient, snapshot: Snapshot, destination?: Snapshot): Promise<VendorPlan> {
	const target = destination ?? (await readDestinationSnapshot(client));
	if (!vendorsDiffer(snapshot.vendor, target.vendor)) return { snapshot, acrossVendors: null, conversions: [] };
	const floats = snapshot.vendor === 'sqlite' ? await floatRanges(context, floatFields(snapshot)) : [];
	const { snapshot: converted, conversions, refused } = convertSnapshot(snapshot, target, floats);
	if (refused.length > 0) {
		throw new MigrationError(
			'SCHEMA_MISMATCH',
			`The destination's database (${target.vendor}) cannot hold these fields as the source has them: ${refused
				.map((entry) => `${entry.collection}.${entry.field} (${entry.reason})`)
				.join('; ')}. Nothing was applied.`,
			{ details: { refused } },
		);
	}
	return { snapshot: converted, acrossVendors: fieldTypes(converted), conversions };
}

/** The largest and smallest non-zero magnitude of each float column, one aggregate query per column. */
async function floatRanges(context: MigrationContext, fields: { collection: string; field: string }[]): Promise<FloatRange[]> {
	const knex = context.database;
	const ranges: FloatRange[] = [];
	for (const { collection, field } of fields) {
		try {
			const row = (await knex
				.from(collection)
				.select(knex.raw('max(abs(??)) as largest', [field]), knex.raw('min(case when ?? <> 0 then abs(??) end) as smallest', [field, field]))
				.first()) as { largest: number | string | null; smallest: number | string | null } | undefined;
			ranges.push({ collection, field, largest: toNumber(row?.largest), smallest: toNumber(row?.smallest) });
		} catch (error) {
			throw new MigrationError('SOURCE_ERROR', `Reading the range of ${collection}.${field} failed: ${(error as Error).message}`);
		}
	}
	return ranges;
}

function toNumber(value: number | string | null | undefined): number | null {
	if (value === null || value === undefined) return null;
	const number = Number(value);
	return Number.isFinite(number) ? number : null;
}
