import type { DestinationClient } from '../destination/client.js';
import { sleep } from '../destination/retry.js';
import { MigrationError } from '../errors.js';

/**
 * Resumable uploads through the destination's TUS endpoint (`/files/tus`, on when the destination
 * sets TUS_ENABLED): the file is created with its length, then its bytes are sent from an offset;
 * when a connection is lost mid-file, the destination says which offset it acknowledged (HEAD) and
 * the upload goes on from there instead of starting over.
 */
const TUS_VERSION = '1.0.0';

/** Bytes per PATCH when the destination sets no TUS_CHUNK_SIZE. */
export const DEFAULT_PATCH_BYTES = 64 * 1024 * 1024;

/** What the destination says about resumable uploads (`/server/info` → `uploads`). */
export interface ResumableSupport {
	enabled: boolean;
	/** The destination's TUS_CHUNK_SIZE: no PATCH may carry more. */
	chunkBytes: number | null;
}

export async function readResumableSupport(client: DestinationClient): Promise<ResumableSupport> {
	const info = await client.send<{ uploads?: { tus?: boolean; chunkSize?: unknown } } | null>({ method: 'GET', path: '/server/info' });
	const chunkSize = info?.uploads?.chunkSize;
	return {
		enabled: info?.uploads?.tus === true,
		chunkBytes: typeof chunkSize === 'number' && Number.isFinite(chunkSize) && chunkSize > 0 ? chunkSize : null,
	};
}

/** Whether a file of `size` bytes goes through TUS: the destination takes it, and the file is above the threshold. */
export function usesResumableUpload(size: number, thresholdBytes: number, support: ResumableSupport): boolean {
	return support.enabled && size > thresholdBytes;
}

/** TUS `Upload-Metadata`: comma-separated `key base64(value)` pairs. */
export function encodeUploadMetadata(fields: Record<string, string>): string {
	return Object.entries(fields)
		.map(([key, value]) => `${key} ${Buffer.from(value, 'utf8').toString('base64')}`)
		.join(',');
}

/** Where the next PATCH ends (exclusive): what remains, at most `chunkBytes`. */
export function patchEnd(offset: number, size: number, chunkBytes: number): number {
	return Math.min(size, offset + Math.max(1, chunkBytes));
}

/** The upload's id from the Location of a creation answer (only its id is used: the request goes to the destination URL). */
export function uploadIdFromLocation(location: string | null): string {
	const match = location ? /\/files\/tus\/([^/?#]+)/.exec(location) : null;
	if (!match) {
		throw new MigrationError('DESTINATION_ERROR', `The destination created a resumable upload without saying where it is (Location: ${location ?? 'none'})`);
	}
	return decodeURIComponent(match[1]!);
}

/** A failure after which the upload goes on from the acknowledged offset: the answer was lost, or the offsets disagree (409). */
function isResumable(error: unknown): boolean {
	if (!(error instanceof MigrationError)) return false;
	return error.details?.['delivery'] === 'maybe-applied' || error.status === 409;
}

export interface ResumableFile {
	/** The destination's file row whose bytes the upload replaces when it completes (it must exist). */
	id: string;
	size: number;
	/** Upload-Metadata: filename_download and type at least. */
	metadata: Record<string, string>;
	/** A fresh stream of the source's bytes [start, end) for every PATCH. */
	body: (start: number, end: number) => ReadableStream<Uint8Array>;
}

/**
 * Sends one file's bytes through TUS into the existing row `file.id` (Directus replaces that row's
 * bytes and size when the upload completes). A PATCH whose connection is lost is not repeated blindly:
 * the destination is asked for the offset it acknowledged, and the bytes from there are sent, up to
 * `retries` times in a row without progress. On a failure the unfinished upload is removed.
 * Returns whether the upload resumed after a lost connection.
 */
export async function uploadResumable(
	client: DestinationClient,
	file: ResumableFile,
	settings: { patchBytes: number; retries: number },
): Promise<{ resumed: boolean }> {
	let location: string | null = null;
	await client.send({
		method: 'POST',
		path: '/files/tus',
		headers: {
			'Tus-Resumable': TUS_VERSION,
			'Upload-Length': String(file.size),
			'Upload-Metadata': encodeUploadMetadata({ ...file.metadata, id: file.id }),
		},
		// A repeated creation leaves an unfinished upload the destination expires (TUS_UPLOAD_EXPIRATION).
		lostAnswer: 'repeat',
		onHeaders: (headers) => (location = headers.get('location')),
	});
	const path = `/files/tus/${encodeURIComponent(uploadIdFromLocation(location))}`;

	let offset = 0;
	let resumed = false;
	let stalls = 0;
	try {
		while (offset < file.size) {
			const start = offset;
			const end = patchEnd(start, file.size, settings.patchBytes);
			try {
				offset = await patch(client, path, start, end, file);
				stalls = 0;
			} catch (error) {
				if (!isResumable(error) || stalls >= settings.retries) throw error;
				stalls++;
				client.stats.retries++;
				await sleep(Math.min(250 * 2 ** stalls, 5_000));
				offset = await acknowledgedOffset(client, path);
				resumed = true;
			}
		}
	} catch (error) {
		await client.send({ method: 'DELETE', path, headers: { 'Tus-Resumable': TUS_VERSION }, lostAnswer: 'repeat' }).catch(() => {});
		throw error;
	}
	return { resumed };
}

async function patch(client: DestinationClient, path: string, start: number, end: number, file: ResumableFile): Promise<number> {
	let acknowledged: number | undefined;
	await client.send({
		method: 'PATCH',
		path,
		headers: {
			'Tus-Resumable': TUS_VERSION,
			'Upload-Offset': String(start),
			'Content-Type': 'application/offset+octet-stream',
			'Content-Length': String(end - start),
		},
		body: () => file.body(start, end),
		// A lost answer is resumed from the acknowledged offset by the caller, never repeated from `start`.
		lostAnswer: 'fail',
		onHeaders: (headers) => (acknowledged = Number(headers.get('upload-offset'))),
	});
	if (acknowledged === undefined || !Number.isSafeInteger(acknowledged) || acknowledged <= start) {
		throw new MigrationError('DESTINATION_ERROR', `The destination took bytes ${start}–${end} of a resumable upload without a new offset`);
	}
	return acknowledged;
}

async function acknowledgedOffset(client: DestinationClient, path: string): Promise<number> {
	let offset: number | undefined;
	await client.send({
		method: 'HEAD',
		path,
		headers: { 'Tus-Resumable': TUS_VERSION },
		onHeaders: (headers) => (offset = Number(headers.get('upload-offset'))),
	});
	if (offset === undefined || !Number.isSafeInteger(offset) || offset < 0) {
		throw new MigrationError('DESTINATION_ERROR', 'The destination did not say how much of a resumable upload it holds');
	}
	return offset;
}
