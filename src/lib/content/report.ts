import type { FileFailure, FileTally } from '../files/transfer.js';
import type { CollectionTally, ItemFailure } from '../items/upsert.js';
import type { MigrationPlan } from '../plan/plan.js';
import type { OperationReport, Warning } from '../report.js';
import type { VerifyOutcome } from '../verify/verify.js';

/** The result of a content operation: counts per collection and for files, never item contents. */
export interface ContentReport extends OperationReport {
	collections: Record<string, CollectionTally>;
	files: FileTally | null;
	failures: { items: ItemFailure[]; files: FileFailure[] };
	plan: MigrationPlan;
	/** How the items travelled: through the destination's receiver, or its REST API. */
	writePath: 'receiver' | 'rest';
	/** `updatedAfter: "auto"` runs: rows taken although older than the marker, because the destination lacked their key. */
	missingPickedUp?: Record<string, number>;
	/** With `verify: true`: the comparison of the run's scope after its writes. */
	verify?: VerifyOutcome;
}

export function failedCount(report: Pick<ContentReport, 'collections' | 'files'>): { items: number; files: number } {
	const items = Object.values(report.collections).reduce((sum, tally) => sum + tally.failed, 0);
	return { items, files: report.files?.failed ?? 0 };
}

/** Links set to null because their target is missing on the destination, as warnings. */
export function nulledLinkWarnings(nulled: Map<string, number>): Warning[] {
	return [...nulled].map(([link, count]) => ({
		code: 'MISSING_LINK_TARGET',
		collection: link.split('.')[0],
		message: `${count} × ${link}: the linked row does not exist on the destination; the link was set to null.`,
	}));
}
