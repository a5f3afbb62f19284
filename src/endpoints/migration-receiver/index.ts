import { defineEndpoint } from '@directus/extensions-sdk';
import { handleLease } from '../../lib/receiver/lease-route.js';
import { handleOpen } from '../../lib/receiver/open-route.js';
import { handleSystemRows } from '../../lib/receiver/system-route.js';
import { handleFileBatch, handleFileUpload, handleFilesChecksums, handleFilesMetadata } from '../../lib/receiver/file-routes.js';
import { handleAbsentKeys, handleChecksums, handleFields, handleFinish, handlePasswords, handleHashes, handleInfo, handleItems } from '../../lib/receiver/routes.js';

/**
 * The destination side of the migration (install the same bundle on the destination): admin-only
 * routes that write batches in one transaction with exact values and no per-row audit noise.
 */
export default defineEndpoint({
	id: 'migration-receiver',
	handler: (router, context) => {
		router.get('/', handleInfo(context));
		router.get('/fields', handleFields(context));
		router.post('/open', handleOpen(context));
		router.post('/items/:collection', handleItems(context));
		router.post('/system/:collection', handleSystemRows(context));
		router.post('/hashes/:collection', handleHashes(context));
		router.post('/checksums/:collection', handleChecksums(context));
		router.post('/absent/:collection', handleAbsentKeys(context));
		router.post('/passwords', handlePasswords(context));
		router.post('/finish', handleFinish(context));
		router.post('/lease', handleLease(context));
		router.post('/files/:id', handleFileUpload(context));
		router.post('/files-batch', handleFileBatch(context));
		router.post('/files-metadata', handleFilesMetadata(context));
		router.post('/files-checksums', handleFilesChecksums(context));
	},
});
