import { MigrationError } from '../errors.js';
import type { DestinationClient } from './client.js';

/**
 * Before any work: the destination must be a Directus that accepts the token as an admin. One small
 * request tells all three (not Directus, UNAUTHORIZED, not an admin) before anything is read or written.
 */
export async function assertAdminDestination(client: DestinationClient): Promise<void> {
	const globals = await client.send<unknown>({ method: 'GET', path: '/policies/me/globals' }).catch((error: unknown) => {
		if (error instanceof MigrationError && error.code === 'NOT_FOUND') {
			throw new MigrationError('NOT_DIRECTUS', `${client.host} did not answer like a Directus 11+ server (GET /policies/me/globals: 404).`);
		}
		throw error;
	});
	if (!globals || typeof globals !== 'object' || !('admin_access' in globals)) {
		throw new MigrationError('NOT_DIRECTUS', `${client.host} did not answer like a Directus 11+ server (GET /policies/me/globals).`);
	}
	if ((globals as { admin_access: unknown }).admin_access !== true) {
		throw new MigrationError('FORBIDDEN', 'The destination token does not belong to an admin: migrations need admin access on the destination.');
	}
}
