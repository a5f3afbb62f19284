import { randomUUID } from 'node:crypto';
import type { DestinationClient } from '../destination/client.js';
import { sleep } from '../destination/retry.js';
import { MigrationError } from '../errors.js';
import { Rejection } from '../operation.js';
import { holderOf, LEASE_KEY_PREFIX, LEASE_LANGUAGE, leaseKey, leaseRecords, leaseRowId, leaseState, type LeaseHolder, type LeaseRecord, type LeaseRow } from './records.js';

export type WhenBusy = 'wait' | 'skip' | 'fail';

export interface LeaseOptions {
	whenBusy: WhenBusy;
	/** `wait`: how long to queue for the lease before ALREADY_RUNNING. */
	waitSeconds: number;
	/** The lease expires this long after its last renewal (renewed every third of it while the run lives). */
	leaseSeconds: number;
}

/** What a writing run's report says about the lease: when it held the destination, how long it queued. */
export interface LeaseReport {
	acquiredAt: string | null;
	releasedAt: string | null;
	waitedMs: number;
	tookOverExpired: boolean;
	/** The run whose lease had expired, when this run took it over. */
	expiredHolder?: LeaseHolder;
}

/** What a run with `whenBusy: skip` resolves with when another run holds the destination. */
export interface SkippedRun {
	operation: string;
	ok: true;
	skipped: true;
	reason: 'ALREADY_RUNNING';
	heldBy: LeaseHolder;
	destination: { host: string };
	lease: LeaseReport;
}

interface Logger {
	info(message: string): void;
	warn(message: string): void;
}

interface Holder {
	operation: string;
	source: string;
}

const POLL_MS = 2_000;
const RELEASE_RETRY_MS = 3_000;
/** Attempts to take a generation that others keep winning, before treating the lease as busy. */
const MAX_RACES = 5;

/**
 * Runs `run` while holding the destination's lease, and gives the lease back when it ends (also when
 * it fails). When another run holds it: waits, skips (resolves a SkippedRun) or fails with
 * ALREADY_RUNNING, as `whenBusy` says. `run` puts `lease.report` into its report.
 */
export async function underLease<R>(
	client: DestinationClient,
	options: LeaseOptions,
	holder: Holder,
	logger: Logger,
	run: (lease: DestinationLease) => Promise<R>,
): Promise<R | SkippedRun> {
	const lease = await DestinationLease.take(client, options, holder, logger);
	if (!(lease instanceof DestinationLease)) return lease;
	let outcome: R;
	try {
		outcome = await run(lease);
	} finally {
		await lease.release();
	}
	if (lease.lost) {
		throw new MigrationError(
			'LEASE_LOST',
			`The lease on ${client.host} expired during this run and another run took it over: the two may have written at the same time. Run again (a longer leaseSeconds helps when renewals are slow).`,
		);
	}
	return outcome;
}

/** The lease on one destination, held by this run. See records.ts for how it is stored. */
export class DestinationLease {
	readonly report: LeaseReport;
	private readonly client: DestinationClient;
	private readonly options: LeaseOptions;
	private readonly logger: Logger;
	private record: LeaseRecord;
	private timer: ReturnType<typeof setInterval> | undefined;
	private chain: Promise<void> = Promise.resolve();
	private lostLease = false;

	private constructor(client: DestinationClient, options: LeaseOptions, logger: Logger, record: LeaseRecord, report: LeaseReport) {
		this.client = client;
		this.options = options;
		this.logger = logger;
		this.record = record;
		this.report = report;
		this.timer = setInterval(() => void this.renew(), (options.leaseSeconds * 1000) / 3);
		this.timer.unref?.();
	}

	/** The lease, or (`whenBusy: skip`) what the skipped run resolves with; ALREADY_RUNNING when it may not wait longer. */
	static async take(client: DestinationClient, options: LeaseOptions, holder: Holder, logger: Logger): Promise<DestinationLease | SkippedRun> {
		const run = randomUUID();
		const started = Date.now();
		const deadline = started + (options.whenBusy === 'wait' ? options.waitSeconds * 1000 : 0);
		let announced = false;
		for (;;) {
			const outcome = await attempt(client, options, holder, run);
			const waitedMs = Date.now() - started;
			if ('taken' in outcome) {
				const { taken, expired } = outcome;
				const report: LeaseReport = { acquiredAt: taken.since, releasedAt: null, waitedMs, tookOverExpired: expired !== null };
				if (expired) {
					report.expiredHolder = holderOf(expired);
					logger.warn(`[migration] lease on ${client.host}: took over the expired lease of ${expired.operation} from ${expired.source} (held since ${expired.since}, expired ${expired.expiresAt})`);
				}
				return new DestinationLease(client, options, logger, taken, report);
			}
			const heldBy = holderOf(outcome.busy);
			const lease: LeaseReport = { acquiredAt: null, releasedAt: null, waitedMs, tookOverExpired: false };
			if (options.whenBusy === 'skip') {
				logger.info(`[migration] lease on ${client.host}: held by ${heldBy.operation} from ${heldBy.source} since ${heldBy.since}; skipped`);
				return { operation: holder.operation, ok: true, skipped: true, reason: 'ALREADY_RUNNING', heldBy, destination: { host: client.host }, lease };
			}
			if (Date.now() >= deadline) {
				const waited = options.whenBusy === 'wait' ? ` after waiting ${Math.round(waitedMs / 1000)} s` : '';
				throw new Rejection({
					code: 'ALREADY_RUNNING',
					message: `Another migration (${heldBy.operation} from ${heldBy.source}, since ${heldBy.since}) holds ${client.host}${waited}; nothing was written.`,
					heldBy,
					destination: { host: client.host },
					lease,
				});
			}
			if (!announced) logger.info(`[migration] lease on ${client.host}: held by ${heldBy.operation} from ${heldBy.source}; waiting up to ${options.waitSeconds} s`);
			announced = true;
			await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
		}
	}

	/** Another run took the lease over after it expired (renewals failed for leaseSeconds). */
	get lost(): boolean {
		return this.lostLease;
	}

	/** Renews now and fails with LEASE_LOST unless this run still holds the lease (before a step that must be alone: the sync marker). */
	async confirm(): Promise<void> {
		await this.renew();
		if (this.lostLease) {
			throw new MigrationError('LEASE_LOST', `The lease on ${this.client.host} expired and another run took it over; the sync marker was left as it was.`);
		}
	}

	/**
	 * Gives the lease back, so that the next run takes it at once. When the destination does not answer
	 * (the reason the run failed, often), the run ends anyway and the release is tried again in the
	 * background every few seconds until it succeeds or the lease has expired by itself.
	 */
	async release(): Promise<void> {
		clearInterval(this.timer);
		await this.serial(async () => {
			if (this.lostLease) return;
			try {
				this.report.releasedAt = await this.giveBack();
			} catch (error) {
				this.logger.warn(`[migration] lease on ${this.client.host}: not released yet (${(error as Error).message}); trying again until it expires at ${this.record.expiresAt}`);
				this.releaseLater();
			}
		});
	}

	private async giveBack(): Promise<string> {
		const now = new Date(destinationNow(this.client)).toISOString();
		await this.write({ ...this.record, releasedAt: now });
		return now;
	}

	private releaseLater(): void {
		const retry = setTimeout(() => {
			if (destinationNow(this.client) >= Date.parse(this.record.expiresAt)) return;
			this.giveBack().then(
				() => this.logger.info(`[migration] lease on ${this.client.host}: released`),
				() => this.releaseLater(),
			);
		}, RELEASE_RETRY_MS);
		retry.unref?.();
	}

	private renew(): Promise<void> {
		return this.serial(async () => {
			if (this.lostLease) return;
			try {
				const top = leaseRecords(await readLeaseRows(this.client))[0];
				if (!top || top.generation !== this.record.generation || top.run !== this.record.run) {
					this.lostLease = true;
					clearInterval(this.timer);
					this.logger.warn(`[migration] lease on ${this.client.host}: lost (taken over after it expired)`);
					return;
				}
				const now = destinationNow(this.client);
				await this.write({ ...this.record, renewedAt: new Date(now).toISOString(), expiresAt: new Date(now + this.options.leaseSeconds * 1000).toISOString() });
			} catch (error) {
				this.logger.warn(`[migration] lease on ${this.client.host}: renewal failed (${(error as Error).message})`);
				if (destinationNow(this.client) >= Date.parse(this.record.expiresAt)) {
					this.lostLease = true;
					clearInterval(this.timer);
				}
			}
		});
	}

	/** One PATCH of this run's own row: the same values again change nothing, so a lost answer repeats. */
	private async write(record: LeaseRecord): Promise<void> {
		await this.client.send({
			method: 'PATCH',
			budget: 'none',
			path: `/translations/${leaseRowId(record.generation)}`,
			params: { fields: 'id' },
			body: () => JSON.stringify({ value: JSON.stringify(record) }),
			lostAnswer: 'repeat',
		});
		this.record = record;
	}

	private serial(step: () => Promise<void>): Promise<void> {
		this.chain = this.chain.then(step);
		return this.chain;
	}
}

type Attempt = { taken: LeaseRecord; expired: LeaseRecord | null } | { busy: LeaseRecord };

/**
 * One try at the lease: read who holds it; when nobody does, create the next generation's row under
 * its fixed key. A unique-key conflict means another run created it first. After creating it, a
 * higher generation (a run that read the rows before ours existed and then won a later one) means we
 * lost after all: our row goes and the other run holds the lease. Then older generations are removed.
 */
async function attempt(client: DestinationClient, options: LeaseOptions, holder: Holder, run: string): Promise<Attempt> {
	for (let race = 1; ; race++) {
		const state = leaseState(leaseRecords(await readLeaseRows(client)), destinationNow(client));
		if (!state.free) return { busy: state.holder };
		const now = destinationNow(client);
		const record: LeaseRecord = {
			version: 1,
			generation: state.generation,
			run,
			operation: holder.operation,
			source: holder.source,
			since: new Date(now).toISOString(),
			renewedAt: new Date(now).toISOString(),
			expiresAt: new Date(now + options.leaseSeconds * 1000).toISOString(),
			releasedAt: null,
		};
		const created = await createRow(client, record);
		const records = leaseRecords(await readLeaseRows(client));
		const mine = records.find((entry) => entry.generation === record.generation);
		const higher = records.find((entry) => entry.generation > record.generation);
		if (created && mine?.run === run && !higher) {
			const older = records.filter((entry) => entry.generation < record.generation).map((entry) => leaseRowId(entry.generation));
			if (older.length > 0) await deleteRows(client, older).catch(() => undefined);
			return { taken: record, expired: state.expired };
		}
		if (mine?.run === run) await deleteRows(client, [leaseRowId(record.generation)]);
		if (race >= MAX_RACES) {
			if (records[0]) return { busy: records[0] };
			throw new MigrationError('DESTINATION_ERROR', `The lease on ${client.host} could not be taken: its rows keep changing.`);
		}
	}
}

/** Creates a generation's row; false when another run created that generation first. */
async function createRow(client: DestinationClient, record: LeaseRecord): Promise<boolean> {
	const id = leaseRowId(record.generation);
	try {
		await client.send({
			method: 'POST',
			budget: 'none',
			path: '/translations',
			params: { fields: 'id' },
			body: () => JSON.stringify({ id, key: leaseKey(record.generation), language: LEASE_LANGUAGE, value: JSON.stringify(record) }),
			// A lost answer: the row is looked for; whose it is, the read after the create tells.
			lostAnswer: { recover: async () => ((await readLeaseRows(client)).some((row) => row.id === id) ? 'applied' : 'not-applied') },
		});
		return true;
	} catch (error) {
		// Refused: a unique key (RECORD_NOT_UNIQUE) or Directus's own check of key and language (INVALID_PAYLOAD).
		// Either way, the generation's row is there when another run created it first; otherwise the refusal stands.
		if (error instanceof MigrationError && error.code === 'DESTINATION_REJECTED' && (await readLeaseRows(client)).some((row) => row.id === id)) return false;
		throw error;
	}
}

async function deleteRows(client: DestinationClient, ids: string[]): Promise<void> {
	await client.send({ method: 'DELETE', budget: 'none', path: '/translations', body: () => JSON.stringify(ids), lostAnswer: 'repeat' });
}

export async function readLeaseRows(client: DestinationClient): Promise<LeaseRow[]> {
	const rows = await client.send<LeaseRow[] | null>({
		method: 'GET',
		budget: 'none',
		path: '/translations',
		params: { fields: 'id,value', limit: -1, filter: { key: { _starts_with: LEASE_KEY_PREFIX } } },
	});
	return rows ?? [];
}

/** The destination's clock (its Date headers), so that runs from sources with different clocks agree on expiry. */
function destinationNow(client: DestinationClient): number {
	return Date.now() + (client.clockOffsetMs ?? 0);
}
