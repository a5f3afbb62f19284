import { FILE_METADATA_BYTES_HEADER, filesChecksumsBody, filesMetadataBody } from './protocol.js';
import { adminRoute, maxBodyBytes, readBody, schemaOf, type EndpointContext, type Handler, type Request, type Response } from './routes.js';
import { FileRefusal, receiveFile, receiveFileBatch, receiveFilesMetadata, storedChecksums } from './files.js';

/** The receiver's routes for files (registered beside the others in the endpoint). */

/** A storage failure answers like Directus's own (503, service `files`): the source retries it, then fails the file alone. */
function withStorageRefusal(run: (req: Request, res: Response) => Promise<void>): (req: Request, res: Response) => Promise<void> {
	return async (req, res) => {
		try {
			await run(req, res);
		} catch (error) {
			if (!(error instanceof FileRefusal) || !error.service) throw error;
			res.status(error.status).json({ errors: [{ message: error.message, extensions: { code: error.code, service: error.service } }] });
		}
	};
}

/** A body of metadata then bytes (see protocol.ts), as the request streams it: its length and its metadata's, as declared. */
function metadataFirstBody(req: Request): { body: AsyncIterable<Buffer>; metadataBytes: number; contentLength: number | undefined } {
	const declared = Number(req.headers['content-length']);
	return {
		body: req as unknown as AsyncIterable<Buffer>,
		metadataBytes: Number(req.headers[FILE_METADATA_BYTES_HEADER]),
		contentLength: Number.isFinite(declared) ? declared : undefined,
	};
}

/** POST /files/:id — one file's metadata then its bytes, in one streamed body (see protocol.ts). */
export function handleFileUpload(context: EndpointContext): Handler {
	return adminRoute(
		withStorageRefusal(async (req, res) => {
			const receipt = await receiveFile(context, await schemaOf(req, context), { id: String(req.params['id']), ...metadataFirstBody(req) }, req.accountability ?? null);
			res.json({ data: receipt });
		}),
	);
}

/** POST /files-batch — several small new files, their metadata then their bytes, in one body (see protocol.ts). */
export function handleFileBatch(context: EndpointContext): Handler {
	return adminRoute(async (req, res) => {
		const files = await receiveFileBatch(context, await schemaOf(req, context), metadataFirstBody(req));
		res.json({ data: { files } });
	});
}

/** POST /files-metadata — metadata of files whose bytes are already there, exactly as sent. */
export function handleFilesMetadata(context: EndpointContext): Handler {
	return adminRoute(async (req, res) => {
		const body = await readBody(req, filesMetadataBody, maxBodyBytes(context.env));
		res.json({ data: await receiveFilesMetadata(context, await schemaOf(req, context), body, req.accountability ?? null) });
	});
}

/** POST /files-checksums — the sha256 of stored bytes, computed on the destination. */
export function handleFilesChecksums(context: EndpointContext): Handler {
	return adminRoute(async (req, res) => {
		const body = await readBody(req, filesChecksumsBody, maxBodyBytes(context.env));
		res.json({ data: await storedChecksums(context, await schemaOf(req, context), body.ids) });
	});
}
