import { booleanField } from '../../lib/panel/fields.js';

/** The `verify` option of the writing operations (upsert-items, migrate-tables). */
export function verifyField() {
	return booleanField(
		'verify',
		'Verify',
		false,
		"After the writes, compare the run's items (and files) with the source; differences fail the run with OUT_OF_SYNC. Costs one more read of every item in scope.",
		'full',
	);
}
