import { open } from 'node:fs/promises';

const BLOCK = 64 * 1024;

/** The lines of a text file from the last to the first, read block by block from its end (memory: one block and one line). */
export async function* linesBackwards(path: string): AsyncGenerator<string> {
	const file = await open(path, 'r');
	try {
		let position = (await file.stat()).size;
		let carry = Buffer.alloc(0);
		while (position > 0) {
			const size = Math.min(BLOCK, position);
			position -= size;
			const block = Buffer.alloc(size);
			await file.read(block, 0, size, position);
			let buffer = Buffer.concat([block, carry]);
			let end = buffer.length;
			for (let index = buffer.length - 1; index >= 0; index--) {
				if (buffer[index] !== 0x0a) continue;
				const line = buffer.subarray(index + 1, end).toString('utf8');
				if (line.trim()) yield line;
				end = index;
			}
			carry = Buffer.from(buffer.subarray(0, end));
			buffer = Buffer.alloc(0);
		}
		const first = carry.toString('utf8');
		if (first.trim()) yield first;
	} finally {
		await file.close();
	}
}
