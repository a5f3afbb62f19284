import { flowBoolean, flowInteger, flowNumber, flowText } from './flow-values.js';

/** How the content operations run: batch size, parallel batches, dry run. */
export const executionShape = {
	batchSize: flowInteger({ min: 1, max: 1000, fallback: 100 }),
	concurrency: flowInteger({ min: 1, max: 8, fallback: 2 }),
	dryRun: flowBoolean(false),
};

/** Where an operation finds its plan: a step key, plan JSON, or (empty) the previous step. */
export const planShape = {
	plan: flowText(),
};

export const upsertShape = {
	deleteMissing: flowBoolean(false),
	/**
	 * deleteMissing refuses (DELETE_GUARD), before deleting anything, to delete more than this share of
	 * a collection's destination rows. A routine sync seldom deletes half a collection; an empty or
	 * wrongly filtered source does. Raise it (up to 1) to allow a large deletion on purpose.
	 */
	maxDeleteShare: flowNumber({ min: 0, max: 1, fallback: 0.5 }),
	preserveAuthorship: flowBoolean(false),
	/** Go on when the destination lacks planned collections or fields: write what both sides have, name the rest. */
	force: flowBoolean(false),
};

/** How files travel (transfer-files and migrate-tables). */
export const fileTransferShape = {
	/**
	 * Files larger than this many MB go through the destination's resumable uploads (its TUS endpoint,
	 * when it sets TUS_ENABLED): a connection lost mid-file resumes where the destination stopped.
	 */
	resumableAboveMB: flowInteger({ min: 1, max: 1_000_000, fallback: 16 }),
};
