import type { Accountability } from '@directus/types';

/**
 * The source is the Directus this bundle runs in: it is read in process, through the services the
 * operation handler receives, with full (admin) access. Flows are built by admins; a Flow that must
 * not migrate should not contain these operations.
 */
export const SOURCE_ADMIN: Accountability = {
	role: null,
	roles: [],
	user: null,
	admin: true,
	app: false,
	ip: null,
} as unknown as Accountability;

export function isSystemCollection(collection: string): boolean {
	return collection.startsWith('directus_');
}
