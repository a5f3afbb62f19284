import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { DirectusInstance } from './instance.ts';

const MB = 1024 * 1024;

export interface StoredFile {
	id: string;
	sha256: string;
	size: number;
}

/**
 * Writes `size` random bytes straight into an instance's storage and registers them as a file, as a
 * file already in a library is: this process never holds more than a megabyte of it, and nothing is
 * committed (the bytes live in the instance's work folder).
 */
export async function generateStoredFile(instance: DirectusInstance, name: string, size: number): Promise<StoredFile> {
	const id = randomUUID();
	const filenameDisk = `${id}.bin`;
	const hash = createHash('sha256');
	const out = createWriteStream(join(instance.dir, 'uploads', filenameDisk));
	for (let written = 0; written < size; ) {
		const chunk = randomBytes(Math.min(MB, size - written));
		hash.update(chunk);
		written += chunk.length;
		if (!out.write(chunk)) await once(out, 'drain');
	}
	out.end();
	await once(out, 'close');
	await instance.api('POST', '/files', {
		id,
		storage: 'local',
		filename_disk: filenameDisk,
		filename_download: `${name}.bin`,
		title: name,
		type: 'application/octet-stream',
		filesize: size,
	});
	return { id, sha256: hash.digest('hex'), size };
}

/** The sha256 of a file's bytes as an instance serves them (streamed, never held); null when it has none. */
export async function servedSha256(instance: DirectusInstance, id: string): Promise<string | null> {
	const response = await fetch(`${instance.url}/assets/${id}`, { headers: { Authorization: `Bearer ${instance.token}` } });
	if (response.status === 404 || response.status === 403) return null;
	if (!response.ok || !response.body) throw new Error(`asset ${id}: ${response.status}`);
	const hash = createHash('sha256');
	for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
	return hash.digest('hex');
}

/** Samples an instance's resident memory every `everyMs` while `work` runs; the rise over the highest of a few samples before. */
export async function residentRiseWhile<T>(instance: DirectusInstance, work: () => Promise<T>, everyMs = 100): Promise<{ result: T; riseBytes: number }> {
	const before: number[] = [];
	for (let index = 0; index < 5; index++) {
		const rss = instance.residentMemoryBytes();
		if (rss !== null) before.push(rss);
		await new Promise((resolve) => setTimeout(resolve, everyMs));
	}
	let peak = Math.max(...before);
	const sampler = setInterval(() => {
		const rss = instance.residentMemoryBytes();
		if (rss !== null) peak = Math.max(peak, rss);
	}, everyMs);
	try {
		const result = await work();
		return { result, riseBytes: peak - Math.max(...before) };
	} finally {
		clearInterval(sampler);
	}
}
