import { describe, expect, it } from 'vitest';
import { failureFromResponse } from '../../src/lib/destination/failures.js';
import { MigrationError } from '../../src/lib/errors.js';
import { encodeUploadMetadata, patchEnd, uploadIdFromLocation, usesResumableUpload } from '../../src/lib/files/resumable.js';
import { fileFailureCode, isFileRefusal } from '../../src/lib/files/transfer.js';
import { planUploadBatches } from '../../src/lib/files/upload-batches.js';
import { maxUploadBytes } from '../../src/lib/receiver/files.js';

const MB = 1024 * 1024;

describe('choosing resumable uploads', () => {
	it('sends a file through TUS only when the destination has it and the file is above the threshold', () => {
		expect(usesResumableUpload(20 * MB, 16 * MB, { enabled: true, chunkBytes: null })).toBe(true);
		expect(usesResumableUpload(16 * MB, 16 * MB, { enabled: true, chunkBytes: null })).toBe(false);
		expect(usesResumableUpload(2_000 * MB, 16 * MB, { enabled: false, chunkBytes: null })).toBe(false);
	});

	it('never sends more in one PATCH than the destination chunk size, and ends at the file size', () => {
		expect(patchEnd(0, 100, 30)).toBe(30);
		expect(patchEnd(90, 100, 30)).toBe(100);
		expect(patchEnd(0, 100, 0)).toBe(1);
	});

	it('writes Upload-Metadata as key and base64 value pairs', () => {
		expect(encodeUploadMetadata({ filename_download: 'clip é.mp4', type: 'video/mp4' })).toBe(
			`filename_download ${Buffer.from('clip é.mp4').toString('base64')},type ${Buffer.from('video/mp4').toString('base64')}`,
		);
	});

	it('takes only the upload id from a Location, whatever host it names', () => {
		expect(uploadIdFromLocation('https://elsewhere.example/files/tus/abc123')).toBe('abc123');
		expect(uploadIdFromLocation('/files/tus/abc%20123')).toBe('abc 123');
		expect(() => uploadIdFromLocation(null)).toThrow(MigrationError);
	});
});

describe('a file that fails alone', () => {
	const answer = (status: number, body: unknown) =>
		failureFromResponse(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }), 'POST /files');

	it('is FILE_TOO_LARGE when the destination answers 413', async () => {
		const failure = await answer(413, { errors: [{ message: 'Uploaded content is too large.', extensions: { code: 'CONTENT_TOO_LARGE' } }] });
		expect(isFileRefusal(failure)).toBe(true);
		expect(fileFailureCode(failure)).toBe('FILE_TOO_LARGE');
	});

	it("is DESTINATION_STORAGE_ERROR when the destination's files service cannot save it, while any other 503 ends the run", async () => {
		const storage = await answer(503, { errors: [{ message: "Couldn't save file", extensions: { code: 'SERVICE_UNAVAILABLE', service: 'files' } }] });
		expect(isFileRefusal(storage)).toBe(true);
		expect(fileFailureCode(storage)).toBe('DESTINATION_STORAGE_ERROR');
		const pressure = await answer(503, { errors: [{ message: 'Under pressure', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
		expect(isFileRefusal(pressure)).toBe(false);
	});

	it('is FILE_REFUSED for another refusal, and a refused token is no file refusal', async () => {
		const type = await answer(400, { errors: [{ message: 'File is of invalid content type', extensions: { code: 'INVALID_PAYLOAD' } }] });
		expect(fileFailureCode(type)).toBe('FILE_REFUSED');
		expect(isFileRefusal(await answer(401, { errors: [{ message: 'Invalid token' }] }))).toBe(false);
	});
});

describe('files through the receiver', () => {
	it("takes the receiver's own per-file code for a refused file", async () => {
		const answer = (status: number, code: string) =>
			failureFromResponse(new Response(JSON.stringify({ errors: [{ message: 'no', extensions: { code } }] }), { status }), 'POST /migration-receiver/files/x');
		expect(fileFailureCode(await answer(422, 'METADATA_REFUSED'))).toBe('METADATA_REFUSED');
		expect(fileFailureCode(await answer(413, 'FILE_TOO_LARGE'))).toBe('FILE_TOO_LARGE');
		expect(fileFailureCode(await answer(422, 'FILE_REFUSED'))).toBe('FILE_REFUSED');
	});

	it("reads the destination's FILES_MAX_UPLOAD_SIZE as Directus does (bytes units), and no limit when unset or unreadable", () => {
		expect(maxUploadBytes({ FILES_MAX_UPLOAD_SIZE: '8MB' })).toBe(8 * MB);
		expect(maxUploadBytes({ FILES_MAX_UPLOAD_SIZE: '1.5 kb' })).toBe(1536);
		expect(maxUploadBytes({ FILES_MAX_UPLOAD_SIZE: 1000 })).toBe(1000);
		expect(maxUploadBytes({ FILES_MAX_UPLOAD_SIZE: '1000' })).toBe(1000);
		expect(maxUploadBytes({})).toBeNull();
		expect(maxUploadBytes({ FILES_MAX_UPLOAD_SIZE: 'lots' })).toBeNull();
	});
});

describe('small new files in batches (files-batch)', () => {
	const KB = 1024;
	const bounds = { files: 4, bytes: 100 * KB, fileBytes: 40 * KB };
	const file = (id: string, kb: number) => ({ id, filesize: kb * KB });
	const ids = (rows: Record<string, unknown>[]) => rows.map((row) => row['id']);
	const none = new Set<string>();

	it('spreads new small files over as many batches as the concurrency, each within the receiver bounds', () => {
		const rows = Array.from({ length: 6 }, (_, index) => file(`f${index}`, 10));
		const { batches, alone } = planUploadBatches(rows, none, bounds, { concurrency: 2, aloneAboveBytes: 16 * MB });
		expect(batches.map(ids)).toEqual([
			['f0', 'f1', 'f2'],
			['f3', 'f4', 'f5'],
		]);
		expect(alone).toEqual([]);
	});

	it('closes a batch at the most files or bytes the receiver takes', () => {
		const many = Array.from({ length: 10 }, (_, index) => file(`f${index}`, 1));
		expect(planUploadBatches(many, none, bounds, { concurrency: 1, aloneAboveBytes: 16 * MB }).batches.map((batch) => batch.length)).toEqual([4, 4, 2]);
		const heavy = Array.from({ length: 4 }, (_, index) => file(`h${index}`, 35));
		expect(planUploadBatches(heavy, none, bounds, { concurrency: 1, aloneAboveBytes: 16 * MB }).batches.map(ids)).toEqual([
			['h0', 'h1'],
			['h2', 'h3'],
		]);
	});

	it('sends alone a replacement, a file above the batched size or the resumable threshold, and a batch of one', () => {
		const rows = [file('replaced', 10), file('big', 41), file('resumable', 30), file('a', 10), file('b', 10), file('c', 10)];
		const { batches, alone } = planUploadBatches(rows, new Set(['replaced']), bounds, { concurrency: 2, aloneAboveBytes: 20 * KB });
		expect(batches.map(ids)).toEqual([['a', 'b']]);
		expect(ids(alone)).toEqual(['replaced', 'big', 'resumable', 'c']);
	});

	it('sends every file alone to a receiver without batches', () => {
		const rows = [file('a', 1), file('b', 1)];
		expect(planUploadBatches(rows, none, null, { concurrency: 2, aloneAboveBytes: 16 * MB })).toEqual({ batches: [], alone: rows });
	});
});
