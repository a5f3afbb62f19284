import { isRowRefusal } from '../destination/failures.js';

type Row = Record<string, unknown>;

/** The most JSON a write request carries (Directus's default body limit is 1 MB). */
export const MAX_BODY_BYTES = 900_000;

/**
 * The failure rule of the one write engine, for items and system rows alike: rows are sent in parts
 * under the body limit; the destination writes a part in one transaction, so when it refuses one (a
 * row it rejects: isRowRefusal), the part is halved until the refused rows stand alone, the others
 * are still written, and each refusal is reported (`refusal` makes its entry). Any other failure
 * (the destination gone, the token refused) is not a row's: it is thrown and ends the run.
 */
export async function writeInParts<F>(
	rows: Row[],
	send: (part: Row[]) => Promise<unknown>,
	refusal: (row: Row, error: unknown) => F,
	maxBytes = MAX_BODY_BYTES,
): Promise<F[]> {
	const failures: F[] = [];
	for (const part of splitBySize(rows, maxBytes)) await writeOrBisect(part, send, refusal, failures);
	return failures;
}

async function writeOrBisect<F>(part: Row[], send: (part: Row[]) => Promise<unknown>, refusal: (row: Row, error: unknown) => F, failures: F[]): Promise<void> {
	if (part.length === 0) return;
	try {
		await send(part);
	} catch (error) {
		if (!isRowRefusal(error)) throw error;
		if (part.length === 1) {
			failures.push(refusal(part[0]!, error));
			return;
		}
		const middle = Math.ceil(part.length / 2);
		await writeOrBisect(part.slice(0, middle), send, refusal, failures);
		await writeOrBisect(part.slice(middle), send, refusal, failures);
	}
}

/** Splits rows into parts whose JSON stays under `maxBytes` (a single larger row goes alone). */
export function splitBySize(rows: Row[], maxBytes: number): Row[][] {
	const parts: Row[][] = [];
	let current: Row[] = [];
	let size = 2;
	for (const row of rows) {
		const rowSize = Buffer.byteLength(JSON.stringify(row)) + 1;
		if (current.length > 0 && size + rowSize > maxBytes) {
			parts.push(current);
			current = [];
			size = 2;
		}
		current.push(row);
		size += rowSize;
	}
	if (current.length > 0) parts.push(current);
	return parts;
}
