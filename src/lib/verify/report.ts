import type { LeaseReport } from '../lease/lease.js';
import type { RequestStats } from '../destination/client.js';
import { boundedPush, MAX_LISTED, type Warning } from '../report.js';
import type { ChunkDifferences, DifferingRow } from './chunk.js';
import type { NotComparedField } from '../items/compared-fields.js';

/** What a verify found in one collection: counts, and the first keys of each kind (at most MAX_LISTED). */
export interface CollectionVerifyReport {
	/** Source rows in scope. */
	rows: number;
	missing: number;
	differing: number;
	extra: number;
	missingKeys: unknown[];
	differingRows: DifferingRow[];
	extraKeys: unknown[];
	/** false when the scope is "changed since" a date: the destination cannot be searched for extras by it. */
	extraChecked: boolean;
	notCompared: NotComparedField[];
}

export interface FileVerifyReport {
	checked: number;
	missing: number;
	differing: number;
	missingIds: string[];
	/** Files whose metadata, size or bytes (`bytes`: sha256 of the content) differ. */
	differingFiles: { id: string; fields: string[] }[];
}

export interface RepairReport {
	created: number;
	updated: number;
	deleted: number;
	failed: number;
	failures: { collection: string; key: unknown; reason: string }[];
}

export interface VerifyReport {
	operation: string;
	inSync: boolean;
	durationMs: number;
	destination: { host: string };
	collections: Record<string, CollectionVerifyReport>;
	files: FileVerifyReport | null;
	/** What `repair` wrote before the final comparison; null without repair. */
	repair: RepairReport | null;
	requests: RequestStats;
	warnings: Warning[];
	/** With `repair`: when the run held the destination's lease (see lib/lease). */
	lease?: LeaseReport;
}

export function emptyCollectionReport(notCompared: NotComparedField[]): CollectionVerifyReport {
	return { rows: 0, missing: 0, differing: 0, extra: 0, missingKeys: [], differingRows: [], extraKeys: [], extraChecked: true, notCompared };
}

export const emptyFileReport = (): FileVerifyReport => ({ checked: 0, missing: 0, differing: 0, missingIds: [], differingFiles: [] });

export const emptyRepair = (): RepairReport => ({ created: 0, updated: 0, deleted: 0, failed: 0, failures: [] });

export function recordChunk(report: CollectionVerifyReport, rows: number, differences: ChunkDifferences): void {
	report.rows += rows;
	report.missing += differences.missing.length;
	report.differing += differences.differing.length;
	for (const key of differences.missing) boundedPush(report.missingKeys, key, MAX_LISTED);
	for (const row of differences.differing) boundedPush(report.differingRows, row, MAX_LISTED);
}

export function recordExtras(report: CollectionVerifyReport, keys: unknown[]): void {
	report.extra += keys.length;
	for (const key of keys) boundedPush(report.extraKeys, key, MAX_LISTED);
}

/** In sync: nothing missing or differing anywhere (files included), and no extras where extras count. */
export function isInSync(report: Pick<VerifyReport, 'collections' | 'files'>, deleteMissing: boolean): boolean {
	const collectionsEqual = Object.values(report.collections).every(
		(collection) => collection.missing === 0 && collection.differing === 0 && (!deleteMissing || collection.extra === 0),
	);
	const filesEqual = !report.files || (report.files.missing === 0 && report.files.differing === 0);
	return collectionsEqual && filesEqual;
}

export function outOfSyncMessage(report: Pick<VerifyReport, 'collections' | 'files'>): string {
	const parts = Object.entries(report.collections)
		.filter(([, c]) => c.missing > 0 || c.differing > 0 || c.extra > 0)
		.map(([name, c]) => `${name}: ${c.missing} missing, ${c.differing} differing, ${c.extra} extra`);
	if (report.files && (report.files.missing > 0 || report.files.differing > 0)) {
		parts.push(`files: ${report.files.missing} missing, ${report.files.differing} differing`);
	}
	return `The destination differs from the source. ${parts.join('; ')}.`;
}
