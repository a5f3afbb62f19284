import type { MigrationContext } from '../operation.js';
import { STARTER } from '../options/run.js';

interface Totals {
	[count: string]: number;
}

/** The counts of a report, summed over its collections (created, updated, … whatever it counts), and its files. */
export function countsOf(report: Record<string, unknown>): { items: Totals; files: Totals | null } {
	const items: Totals = {};
	const collections = report['collections'];
	if (collections && typeof collections === 'object' && !Array.isArray(collections)) {
		for (const tally of Object.values(collections as Record<string, unknown>)) {
			if (!tally || typeof tally !== 'object') continue;
			for (const [name, value] of Object.entries(tally)) if (typeof value === 'number') items[name] = (items[name] ?? 0) + value;
		}
	}
	const filesTally = report['files'] as Record<string, unknown> | null | undefined;
	const files = filesTally ? Object.fromEntries(['transferred', 'skipped', 'updated', 'failed'].filter((name) => typeof filesTally[name] === 'number').map((name) => [name, filesTally[name] as number])) : null;
	return { items, files };
}

function line(label: string, totals: Totals): string {
	return `${label}: ${Object.entries(totals).map(([name, value]) => `${value} ${name}`).join(', ')}.`;
}

/** The subject and message of the notification for a finished run (never a secret: the report was scrubbed). */
export function runNotification(end: { operation: string; succeeded: boolean; report: Record<string, unknown>; runId: number | null; publicUrl: string | null }) {
	const host = (end.report['destination'] as { host?: string } | undefined)?.host ?? 'the destination';
	const dry = end.report['dryRun'] === true ? ' (dry run)' : '';
	const outcome = end.succeeded ? 'succeeded' : `failed (${String(end.report['code'] ?? 'error')})`;
	const subject = `Migration ${outcome}: ${end.operation} to ${host}${dry}`;
	const { items, files } = countsOf(end.report);
	const lines = [end.succeeded ? `${end.operation} to ${host} succeeded${dry}.` : `${end.operation} to ${host} failed: ${String(end.report['message'] ?? '')}`];
	if (Object.keys(items).length > 0) lines.push(line('Items', items));
	if (files && Object.keys(files).length > 0) lines.push(line('Files', files));
	if (end.runId !== null) {
		const path = `/migration-runs/${end.runId}`;
		lines.push(`Run record ${end.runId}: ${end.publicUrl ? `[${path}](${end.publicUrl.replace(/\/$/, '')}${path})` : path}`);
	}
	return { subject, message: lines.join('\n\n') };
}

/** Sends the notification of a finished run to its recipients on the source; a failure is logged, never thrown. */
export async function notifyRunEnd(
	context: MigrationContext,
	recipients: string[],
	end: { operation: string; succeeded: boolean; report: Record<string, unknown>; runId: number | null },
): Promise<void> {
	if (recipients.length === 0) return;
	const starter = context.accountability?.user ?? null;
	const users = [...new Set(recipients.flatMap((recipient) => (recipient === STARTER ? (starter ? [starter] : []) : [recipient])))];
	if (users.length === 0) {
		context.logger.warn(`[${end.operation}] notify: nobody to notify (the run was not started by a user: a schedule or an event).`);
		return;
	}
	try {
		const publicUrl = typeof context.env['PUBLIC_URL'] === 'string' && context.env['PUBLIC_URL'] !== '/' ? (context.env['PUBLIC_URL'] as string) : null;
		const { subject, message } = runNotification({ ...end, publicUrl });
		const schema = await context.getSchema({ database: context.database });
		const notifications = new context.services.NotificationsService({ knex: context.database, schema, accountability: null });
		await notifications.createMany(users.map((recipient) => ({ recipient, sender: null, subject, message })));
	} catch (error) {
		context.logger.warn(`[${end.operation}] notify: the notification could not be sent: ${(error as Error).message}`);
	}
}
