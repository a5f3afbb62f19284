import { createHash } from 'node:crypto';
import type { DirectusInstance } from './instance.ts';

export interface UploadedFile {
	id: string;
	sha256: string;
	size: number;
}

/**
 * Uploads `bytes` as a file of `instance` through its REST API, with `fields` (title, folder…), or
 * replaces the bytes of the file `replace`; with another user's `token` when given.
 */
export async function uploadFile(
	instance: DirectusInstance,
	bytes: Buffer,
	fields: Record<string, string>,
	options: { token?: string; replace?: string } = {},
): Promise<UploadedFile> {
	const form = new FormData();
	for (const [name, value] of Object.entries(fields)) form.append(name, value);
	form.append('file', new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' }), `${fields['title'] ?? 'file'}.bin`);
	const response = await fetch(`${instance.url}/files${options.replace ? `/${options.replace}` : ''}?fields=id`, {
		method: options.replace ? 'PATCH' : 'POST',
		headers: { Authorization: `Bearer ${options.token ?? instance.token}` },
		body: form,
	});
	if (!response.ok) throw new Error(`upload: ${response.status} ${await response.text()}`);
	const { data } = (await response.json()) as { data: { id: string } };
	return { id: data.id, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}
