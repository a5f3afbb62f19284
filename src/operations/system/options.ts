import { z } from 'zod';
import { destinationOptionsShape } from '../../lib/options/destination.js';
import { triggerShape } from '../../lib/options/trigger.js';
import { runShape } from '../../lib/options/run.js';
import { leaseShape } from '../../lib/options/lease.js';
import { flowBoolean, flowStringList } from '../../lib/options/flow-values.js';
import { writePathShape } from '../../lib/write/write-path.js';

export const systemOptions = z.object({
	...destinationOptionsShape,
	...triggerShape,
	...runShape,
	...leaseShape,
	/** auto: through the destination's receiver when it has one (exact rows, no per-row audit), else REST. */
	...writePathShape,
	/** users, comments, presets, dashboards, flows, settings, translations, folders, extensions. Empty: MIGRATION_DEFAULT_SCOPE, else all. */
	scope: flowStringList(),
	/**
	 * Compare only: nothing is written. On by default, as for the schema sync: this operation rewrites
	 * roles, permissions, users and settings of another instance, so a first run shows what it would do.
	 */
	dryRun: flowBoolean(true),
	/** Copied Flows keep their source status; off: they are created inactive (and their status is left to the destination). */
	activateFlows: flowBoolean(false),
	/**
	 * Copy users' password hashes (never tokens, 2FA secrets or auth data), so migrated users sign in
	 * with their own password. Needs the receiver on the destination, and HTTPS or a loopback address.
	 */
	includePasswords: flowBoolean(false),
});

export type SystemOptions = z.output<typeof systemOptions>;
