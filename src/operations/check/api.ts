import { DestinationClient } from '../../lib/destination/client.js';
import { toMigrationError } from '../../lib/errors.js';
import { compareInstances, instanceOf, type InstanceInfo, type Reason } from '../../lib/compatibility.js';
import { defineMigrationOperation, Rejection } from '../../lib/operation.js';
import { resolveDestination } from '../../lib/options/destination.js';
import { diffWithDestination, readDestinationSnapshot } from '../../lib/schema/destination-schema.js';
import { restrictDiff, summarizeDiff } from '../../lib/schema/diff-summary.js';
import { resolveCollectionScope } from '../../lib/schema/scope.js';
import { takeSourceSnapshot } from '../../lib/schema/source-snapshot.js';
import { planAcrossVendors } from '../../lib/schema/across-vendors.js';
import type { VendorConversion } from '../../lib/schema/vendor-conversion.js';
import { checkOptions } from './options.js';
import { chooseWritePath, detectReceiver } from '../../lib/write/write-path.js';
import type { Warning } from '../../lib/report.js';

export default defineMigrationOperation('migration-check', checkOptions, async (options, context, { secrets }) => {
	const startedAt = Date.now();
	const destination = await resolveDestination(options, context.env);
	secrets.push(destination.token);
	const fullSnapshot = await takeSourceSnapshot(context);
	const scope = resolveCollectionScope(fullSnapshot, options);
	const client = new DestinationClient(destination);

	const source = instanceOf(fullSnapshot);
	let destinationInfo: InstanceInfo = { version: null, vendor: null };
	const reasons: Reason[] = [];
	let schemaInSync: boolean | null = null;
	let schemaDiff = null;
	let conversions: VendorConversion[] = [];
	let destinationSnapshot = null;

	try {
		destinationSnapshot = await readDestinationSnapshot(client);
		destinationInfo = instanceOf(destinationSnapshot);
	} catch (error) {
		const failure = toMigrationError(error, 'DESTINATION_ERROR');
		const code = failure.code === 'FORBIDDEN' ? 'NOT_ADMIN' : failure.code;
		const message = code === 'NOT_ADMIN' ? 'The destination token does not belong to an admin.' : failure.message;
		reasons.push({ code, message });
	}

	// The receiver (this bundle on the destination too): which version, and whether runs will use it.
	let receiver: { version: string } | null = null;
	const warnings: Warning[] = [];
	if (reasons.length === 0) {
		const found = await detectReceiver(client);
		receiver = found ? { version: found.version } : null;
		warnings.push(...chooseWritePath({ writePath: 'auto', trackActivity: false, emitEvents: false }, found).warnings);
	}

	const mismatches = reasons.length === 0 ? compareInstances(source, destinationInfo) : [];
	reasons.push(...mismatches);
	const blocking = reasons.filter((reason) => !(options.force && mismatches.includes(reason)));

	if (reasons.length === mismatches.length) {
		const scoped = scope === null ? fullSnapshot : await takeSourceSnapshot(context, scope);
		// Across database vendors, what a forced schema sync would convert (and the diff it would see).
		const vendors = await planAcrossVendors(context, client, scoped, destinationSnapshot ?? undefined);
		conversions = vendors.conversions;
		const diff = await diffWithDestination(client, vendors.snapshot, { mode: 'merge', force: true });
		const summary = summarizeDiff(diff ? restrictDiff(diff.diff, 'merge', scope, vendors.acrossVendors) : null);
		schemaInSync = summary.inSync;
		schemaDiff = {
			collections: sumCounts(summary.counts.collections),
			fields: sumCounts(summary.counts.fields),
			relations: sumCounts(summary.counts.relations),
		};
	}

	const report = {
		operation: 'migration-check',
		ok: blocking.length === 0,
		compatible: blocking.length === 0,
		forced: options.force && mismatches.length > 0,
		source,
		destination: { host: destination.host, ...destinationInfo, receiver },
		reasons,
		warnings,
		schemaInSync,
		schemaDiff,
		conversions,
		durationMs: Date.now() - startedAt,
		requests: client.stats,
	};
	if (blocking.length > 0) {
		const code = blocking.some((reason) => mismatches.includes(reason)) ? 'INCOMPATIBLE' : blocking[0]!.code;
		throw new Rejection({ code, message: blocking.map((reason) => reason.message).join(' '), ...report });
	}
	context.logger.info(`[migration-check] ${destination.host}: compatible, schema ${schemaInSync ? 'in sync' : 'differs'}`);
	return report;
});

function sumCounts(counts: { create: number; update: number; delete: number }): number {
	return counts.create + counts.update + counts.delete;
}
