import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * A multipart/form-data body streamed from text fields and one file stream: the file's bytes flow
 * from the source storage to the destination without ever being held in memory. Directus reads the
 * fields first, so they come before the file.
 */
export function newBoundary(): string {
	return `----directus-migration-${randomBytes(12).toString('hex')}`;
}

export function multipartContentType(boundary: string): string {
	return `multipart/form-data; boundary=${boundary}`;
}

export function multipartStream(
	boundary: string,
	fields: Record<string, string>,
	file: { filename: string; type: string; open: () => Promise<Readable> },
): ReadableStream<Uint8Array> {
	const encoder = new TextEncoder();
	const quote = (text: string) => text.replace(/["\r\n]/g, (character) => encodeURIComponent(character));

	async function* parts(): AsyncGenerator<Uint8Array> {
		for (const [name, value] of Object.entries(fields)) {
			yield encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`);
		}
		yield encoder.encode(
			`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quote(file.filename)}"\r\nContent-Type: ${file.type}\r\n\r\n`,
		);
		for await (const chunk of await file.open()) yield asBytes(chunk);
		yield encoder.encode(`\r\n--${boundary}--\r\n`);
	}

	return webStream(parts());
}

/**
 * The bytes of a source stream opened only when the destination starts reading them, one chunk at
 * a time as it takes them (for a TUS PATCH).
 */
export function byteStream(open: () => Promise<Readable>): ReadableStream<Uint8Array> {
	async function* bytes(): AsyncGenerator<Uint8Array> {
		for await (const chunk of await open()) yield asBytes(chunk);
	}
	return webStream(bytes());
}

/** `head` then the bytes of a source stream opened when the destination starts reading (a receiver file upload). */
export function prefixedStream(head: Uint8Array, open: () => Promise<Readable>): ReadableStream<Uint8Array> {
	async function* bytes(): AsyncGenerator<Uint8Array> {
		yield head;
		for await (const chunk of await open()) yield asBytes(chunk);
	}
	return webStream(bytes());
}

/** A chunk of a Node stream as bytes, without copying a Buffer. */
function asBytes(chunk: string | Buffer): Uint8Array {
	return typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Pulled chunk by chunk: nothing is read ahead of what the request has sent but a few chunks. */
function webStream(chunks: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
	return Readable.toWeb(Readable.from(chunks)) as unknown as ReadableStream<Uint8Array>;
}
