import type { Snapshot } from '@directus/types';

export interface InstanceInfo {
	version: string | null;
	vendor: string | null;
}

export interface Reason {
	code: string;
	message: string;
}

/** Version and vendor mismatches: what `force` may accept. */
export function compareInstances(source: InstanceInfo, destination: InstanceInfo): Reason[] {
	const reasons: Reason[] = [];
	if (source.version !== destination.version) {
		reasons.push({
			code: 'VERSION_MISMATCH',
			message: `The source runs Directus ${source.version}, the destination ${destination.version}.`,
		});
	}
	if (source.vendor !== destination.vendor) {
		reasons.push({
			code: 'VENDOR_MISMATCH',
			message: `The source database is ${source.vendor}, the destination's ${destination.vendor}.`,
		});
	}
	return reasons;
}

export function instanceOf(snapshot: Pick<Snapshot, 'directus' | 'vendor'>): InstanceInfo {
	return { version: snapshot.directus ?? null, vendor: snapshot.vendor ?? null };
}
