import { MAX_RECEIVER_ROWS } from '../receiver/protocol.js';
import { chunkChecksum, rowChecksum, type ChunkChecksums } from '../verify/chunk.js';
import type { DestinationItems } from './destination-items.js';
import type { Row } from './diff-rows.js';
import { MAX_STORED_CHUNK, storedRowText, type StoredVendor } from './stored-rows.js';
import { canonicalRow } from '../compare/normalize.js';

/** The source rows of a chunk that the destination does not hold as they are. */
export interface UnequalRows {
	/** Rows whose keys the destination lacks. */
	missing: Row[];
	/** Rows the destination holds with other values in some compared field (or a checksum collision to rule out). */
	differing: Row[];
}

/**
 * Compares source rows with the destination's rows of the same keys by checksums computed on each
 * side (the destination's by its receiver), so that equal rows never cross the network: one request
 * per chunk of up to MAX_RECEIVER_ROWS keys; when a chunk's checksum differs, the row checksums the
 * destination sends back name the rows that are missing or differ. Shared by the upsert (which then
 * reads and writes only those) and verify (which names their differing fields). Rows read as stored
 * (`stored`: the vendor they were read on, see stored-rows.ts) are compared with the destination's
 * rows read as stored too. `asked`: the destination's checksum of these rows, asked already (see
 * DestinationItems.rangeChecksum); row checksums are then asked only when it differs.
 */
export async function unequalRows(
	items: DestinationItems,
	rows: Row[],
	primaryKey: string,
	fields: string[],
	types: Record<string, string>,
	stored: StoredVendor | null = null,
	asked: Promise<ChunkChecksums> | null = null,
): Promise<UnequalRows> {
	const unequal: UnequalRows = { missing: [], differing: [] };
	const text = stored ? storedRowText : canonicalRow;
	const size = stored ? MAX_STORED_CHUNK : MAX_RECEIVER_ROWS;
	for (let start = 0; start < rows.length; start += size) {
		const chunk = rows.slice(start, start + size);
		const checksum = chunkChecksum(chunk, primaryKey, fields, types, text);
		if (asked && rows.length <= size) {
			const known = await asked;
			if (known.checksum === checksum && known.rows === chunk.length) continue;
		}
		const theirs = await items.checksums(
			chunk.map((row) => row[primaryKey]),
			fields,
			types,
			checksum,
			stored,
		);
		if (theirs.rowChecksums === null && theirs.rows === chunk.length) continue;
		const perRow = theirs.rowChecksums ?? {};
		for (const row of chunk) {
			const their = perRow[String(row[primaryKey])];
			if (their === undefined) unequal.missing.push(row);
			else if (their !== rowChecksum(row, fields, types, text)) unequal.differing.push(row);
		}
	}
	return unequal;
}
