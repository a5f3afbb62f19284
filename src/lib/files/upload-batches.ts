import type { Row } from '../items/diff-rows.js';
import type { FileBatchBounds } from '../receiver/protocol.js';

/**
 * Which files go to the receiver several to a request (POST /files-batch) and which alone (pure):
 * only new files (a replacement keeps the destination's bytes first, one by one) no larger than the
 * receiver's bound for a batched file nor than `aloneAboveBytes` (the resumable uploads' threshold),
 * at most the receiver's bounds a batch, and no more per batch than spreads them over `concurrency`
 * batches. A batch that would hold one file is sent alone. The order of `toSend` is kept.
 */
export function planUploadBatches(
	toSend: Row[],
	existing: { has(id: string): boolean },
	bounds: FileBatchBounds | null,
	options: { concurrency: number; aloneAboveBytes: number },
): { batches: Row[][]; alone: Row[] } {
	if (!bounds) return { batches: [], alone: toSend };
	const sizeOf = (row: Row) => Number(row['filesize'] ?? 0);
	const fits = (row: Row) => !existing.has(String(row['id'])) && sizeOf(row) <= Math.min(bounds.fileBytes, options.aloneAboveBytes);
	const batchable = toSend.filter(fits);
	const perBatch = Math.max(1, Math.min(bounds.files, Math.ceil(batchable.length / Math.max(1, options.concurrency))));
	const batches: Row[][] = [];
	let current: Row[] = [];
	let bytes = 0;
	for (const row of batchable) {
		if (current.length > 0 && (current.length >= perBatch || bytes + sizeOf(row) > bounds.bytes)) {
			batches.push(current);
			current = [];
			bytes = 0;
		}
		current.push(row);
		bytes += sizeOf(row);
	}
	if (current.length > 0) batches.push(current);
	const single = new Set(batches.filter((batch) => batch.length === 1).flat());
	return { batches: batches.filter((batch) => batch.length > 1), alone: toSend.filter((row) => !fits(row) || single.has(row)) };
}
