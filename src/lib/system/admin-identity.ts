import type { Id, Row } from './kinds.js';

/** Every Directus has this public policy, under this id. */
export const PUBLIC_POLICY_ID = 'abf8a154-5b1c-4a46-ac9c-7300570f4f17';

/** The Administrator role and policy of one instance (their ids differ from instance to instance). */
export interface AdminIdentity {
	roleId: string | null;
	policyId: string | null;
}

/**
 * Finds the admin policy (`admin_access: true`; the one an Administrator role holds when there are
 * several) and the admin role (holding that policy through directus_access, else named Administrator).
 */
export function findAdminIdentity(input: { roles: Row[]; policies: Row[]; access: Row[] }): AdminIdentity {
	const adminPolicies = input.policies.filter((policy) => policy['admin_access'] === true || policy['admin_access'] === 1);
	const roleName = new Map(input.roles.map((role) => [role['id'], role['name']]));
	const holders = (policyId: unknown) =>
		input.access.filter((row) => row['policy'] === policyId && row['role'] && !row['user']).map((row) => String(row['role']));
	const policy =
		adminPolicies.find((candidate) => holders(candidate['id']).some((role) => roleName.get(role) === 'Administrator')) ??
		adminPolicies.find((candidate) => holders(candidate['id']).length > 0) ??
		adminPolicies[0];
	const policyId = policy ? String(policy['id']) : null;
	const heldBy = policyId ? holders(policyId) : [];
	const roleId =
		heldBy.find((role) => roleName.get(role) === 'Administrator') ??
		heldBy[0] ??
		(input.roles.find((role) => role['name'] === 'Administrator')?.['id'] as string | undefined) ??
		null;
	return { roleId, policyId };
}

/**
 * Source ids that stand for a different row on the destination: the source's Administrator role and
 * policy are the destination's own. Every other id is kept as it is.
 */
export class IdMapping {
	private readonly byCollection = new Map<string, Map<Id, Id>>();

	static forAdmins(source: AdminIdentity, destination: AdminIdentity): IdMapping {
		const mapping = new IdMapping();
		if (source.roleId && destination.roleId) mapping.add('directus_roles', source.roleId, destination.roleId);
		if (source.policyId && destination.policyId) mapping.add('directus_policies', source.policyId, destination.policyId);
		return mapping;
	}

	add(collection: string, sourceId: Id, destinationId: Id): void {
		let ids = this.byCollection.get(collection);
		if (!ids) this.byCollection.set(collection, (ids = new Map()));
		ids.set(sourceId, destinationId);
	}

	/** The destination id of a source row (the same id unless mapped). */
	map(collection: string, id: Id): Id {
		return this.byCollection.get(collection)?.get(id) ?? id;
	}

	/** Whether a source row is represented by a different destination row (and is therefore not written). */
	isMapped(collection: string, id: Id): boolean {
		return this.byCollection.get(collection)?.has(id) ?? false;
	}
}
