import { randomUUID } from 'node:crypto';
import type { DestinationClient } from '../destination/client.js';
import { isMissingRoute } from '../destination/failures.js';
import { sleep } from '../destination/retry.js';
import { MigrationError } from '../errors.js';
import { Rejection } from '../operation.js';
import { RECEIVER_ID, RECEIVER_MEDIA_TYPE } from '../receiver/protocol.js';
import { holderOf, LEASE_KEY_PREFIX, LEASE_LANGUAGE, leaseKey, leaseRecords, leaseRowId, leaseState, seenOf, type LeaseHolder, type LeaseRecord, type LeaseRow, type LeaseSeen } from './records.js';

export type { LeaseSeen } from './records.js';

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
	/**
	 * The run found nothing to write and never took the lease: nobody held it from before the run's
	 * first read of the destination to after its last (`acquiredAt` and `releasedAt` are null).
	 */
	readOnly?: true;
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
 * Thrown out of a run's steps when the lease, taken at its first write (or looked at after its last
 * read), shows that another run held the destination since this run read it: what it read may be
 * outdated, so its steps run again under the lease.
 */
class ReadsOutdated extends Error {}

/** Thrown out of a run's steps when the lease, taken at its first write, was busy and the run skips. */
class SkippedWhenBusy extends Error {
	readonly skipped: SkippedRun;
	constructor(skipped: SkippedRun) {
		super('ALREADY_RUNNING');
		this.skipped = skipped;
	}
}

/**
 * Runs `run` while holding the destination's lease, and gives the lease back when it ends (also when
 * it fails). When another run holds it: waits, skips (resolves a SkippedRun) or fails with
 * ALREADY_RUNNING, as `whenBusy` says. `run` puts `lease.report` into its report.
 *
 * `seen` (a lease the run found free before it planned) lets `run` read first and take the lease only
 * at its first write (`lease.ensure()`), so that a run with nothing to write never writes the lease's
 * rows. Its reads are worth what reads under the lease are worth only if no other run held the lease
 * in between: the lease it then takes must be the very generation it saw free, and a run that never
 * took it looks once more after its last read. Otherwise `run` is run again, from its first read,
 * under the lease (it sees `lease.restarted`).
 */
export async function underLease<R>(
	client: DestinationClient,
	options: LeaseOptions,
	holder: Holder,
	logger: Logger,
	run: (lease: DestinationLease) => Promise<R>,
	seen?: LeaseSeen,
): Promise<R | SkippedRun> {
	const lease = seen?.free ? DestinationLease.atFirstWrite(client, options, holder, logger, seen.generation) : await DestinationLease.take(client, options, holder, logger);
	if (!(lease instanceof DestinationLease)) return lease;
	let outcome: R;
	try {
		try {
			outcome = await run(lease);
			if (!lease.held) {
				if (!(await lease.stillAsSeen())) throw new ReadsOutdated();
				lease.report.readOnly = true;
			}
		} catch (error) {
			if (!(error instanceof ReadsOutdated)) throw error;
			await lease.restart();
			outcome = await run(lease);
		}
	} catch (error) {
		if (error instanceof SkippedWhenBusy) return error.skipped;
		throw error;
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

/** The lease on one destination, held by this run (or, made by atFirstWrite, taken at its first write). See records.ts for how it is stored. */
export class DestinationLease {
	readonly report: LeaseReport;
	private readonly client: DestinationClient;
	private readonly transport: LeaseTransport;
	private readonly options: LeaseOptions;
	private readonly holder: Holder;
	private readonly logger: Logger;
	/** This run's row; null until the lease is taken. */
	private record: LeaseRecord | null = null;
	private timer: ReturnType<typeof setInterval> | undefined;
	private chain: Promise<void> = Promise.resolve();
	private lostLease = false;
	/** The generation the run saw free before it read (atFirstWrite); null once its reads no longer rest on that. */
	private seenGeneration: number | null;
	private taking: Promise<void> | undefined;
	private waited = false;
	/** The run's steps are running a second time, under the lease (see underLease). */
	restarted = false;

	private constructor(client: DestinationClient, transport: LeaseTransport, options: LeaseOptions, holder: Holder, logger: Logger, seenGeneration: number | null) {
		this.client = client;
		this.transport = transport;
		this.options = options;
		this.holder = holder;
		this.logger = logger;
		this.seenGeneration = seenGeneration;
		this.report = { acquiredAt: null, releasedAt: null, waitedMs: 0, tookOverExpired: false };
	}

	/** The lease, or (`whenBusy: skip`) what the skipped run resolves with; ALREADY_RUNNING when it may not wait longer. */
	static async take(client: DestinationClient, options: LeaseOptions, holder: Holder, logger: Logger): Promise<DestinationLease | SkippedRun> {
		const lease = new DestinationLease(client, leaseTransport(client), options, holder, logger, null);
		const skipped = await lease.acquire();
		return skipped ?? lease;
	}

	/**
	 * A lease not taken yet: the run reads first, and `ensure()` takes it before the first write. Until
	 * then the client refuses to send a write (a step that forgot to ask fails instead of writing unheld).
	 */
	static atFirstWrite(client: DestinationClient, options: LeaseOptions, holder: Holder, logger: Logger, seenGeneration: number): DestinationLease {
		client.writesNeedLease = true;
		return new DestinationLease(client, leaseTransport(client), options, holder, logger, seenGeneration);
	}

	/** Whether the run holds the lease now. */
	get held(): boolean {
		return this.record !== null;
	}

	/** Whether another run held the destination when this run first asked (it then waited for it). */
	get waitedForAnother(): boolean {
		return this.waited;
	}

	/**
	 * Takes the lease if the run does not hold it yet: before its first write. When another run held it
	 * since the run began reading, the steps stop (they run again under the lease); when it is busy and
	 * the run skips, they stop too.
	 */
	ensure(): Promise<void> {
		if (this.held) return Promise.resolve();
		this.taking ??= (async () => {
			const skipped = await this.acquire();
			if (skipped) throw new SkippedWhenBusy(skipped);
			if (this.seenGeneration !== null && this.record!.generation !== this.seenGeneration) throw new ReadsOutdated();
		})();
		return this.taking;
	}

	/**
	 * After a run that never took the lease: whether it is still as the run saw it before its reads
	 * (nobody took it since). The answer to the run's last read may have said so already; else it is asked.
	 */
	async stillAsSeen(): Promise<boolean> {
		try {
			const witnessed = this.client.leaseAfterEveryRead() as LeaseSeen | null;
			const now = witnessed ?? (await this.transport.peek());
			return now.free && now.generation === this.seenGeneration;
		} catch {
			return false;
		}
	}

	/** Holds the lease (taking it, as whenBusy says, if needed) for the steps' second run. */
	async restart(): Promise<void> {
		this.seenGeneration = null;
		this.taking = undefined;
		await this.ensure();
		this.restarted = true;
	}

	/** One take, waiting as `whenBusy` says; the skipped run's answer when it skips. */
	private async acquire(): Promise<SkippedRun | null> {
		const { client, options, holder, logger } = this;
		const run = randomUUID();
		const started = Date.now();
		const deadline = started + (options.whenBusy === 'wait' ? options.waitSeconds * 1000 : 0);
		for (;;) {
			const outcome = await this.transport.attempt({ ...holder, run, leaseSeconds: options.leaseSeconds });
			const waitedMs = Date.now() - started;
			if ('taken' in outcome) {
				const { taken, expired } = outcome;
				Object.assign(this.report, { acquiredAt: taken.since, releasedAt: null, waitedMs, tookOverExpired: expired !== null });
				if (expired) {
					this.report.expiredHolder = holderOf(expired);
					logger.warn(`[migration] lease on ${client.host}: took over the expired lease of ${expired.operation} from ${expired.source} (held since ${expired.since}, expired ${expired.expiresAt})`);
				}
				this.record = taken;
				client.writesNeedLease = false;
				this.timer = setInterval(() => void this.renew(), (options.leaseSeconds * 1000) / 3);
				this.timer.unref?.();
				return null;
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
			if (!this.waited) logger.info(`[migration] lease on ${client.host}: held by ${heldBy.operation} from ${heldBy.source}; waiting up to ${options.waitSeconds} s`);
			this.waited = true;
			await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
		}
	}

	/** Another run took the lease over after it expired (renewals failed for leaseSeconds). */
	get lost(): boolean {
		return this.lostLease;
	}

	/** Renews now and fails with LEASE_LOST unless this run still holds the lease (before a step that must be alone: the sync marker). */
	async confirm(): Promise<void> {
		await this.ensure();
		await this.renew();
		if (this.lostLease) {
			throw new MigrationError('LEASE_LOST', `The lease on ${this.client.host} expired and another run took it over; the sync marker was left as it was.`);
		}
	}

	/**
	 * Gives the lease back, so that the next run takes it at once. When the destination does not answer
	 * (the reason the run failed, often), the run ends anyway and the release is tried again in the
	 * background every few seconds until it succeeds or the lease has expired by itself. A lease never
	 * taken has nothing to give back.
	 */
	async release(): Promise<void> {
		clearInterval(this.timer);
		this.client.writesNeedLease = false;
		await this.taking?.catch(() => {});
		if (!this.record) return;
		await this.serial(async () => {
			if (this.lostLease) return;
			try {
				this.report.releasedAt = await this.giveBack();
			} catch (error) {
				this.logger.warn(`[migration] lease on ${this.client.host}: not released yet (${(error as Error).message}); trying again until it expires at ${this.record!.expiresAt}`);
				this.releaseLater();
			}
		});
	}

	private async giveBack(): Promise<string> {
		const releasedAt = await this.transport.release(this.record!);
		this.record = { ...this.record!, releasedAt };
		return releasedAt;
	}

	private releaseLater(): void {
		const retry = setTimeout(() => {
			if (this.transport.now() >= Date.parse(this.record!.expiresAt)) return;
			this.giveBack().then(
				() => this.logger.info(`[migration] lease on ${this.client.host}: released`),
				() => this.releaseLater(),
			);
		}, RELEASE_RETRY_MS);
		retry.unref?.();
	}

	private renew(): Promise<void> {
		return this.serial(async () => {
			if (this.lostLease || !this.record) return;
			try {
				const renewed = await this.transport.renew(this.record, this.options.leaseSeconds);
				if (!renewed) {
					this.lostLease = true;
					clearInterval(this.timer);
					this.logger.warn(`[migration] lease on ${this.client.host}: lost (taken over after it expired)`);
					return;
				}
				this.record = renewed;
			} catch (error) {
				this.logger.warn(`[migration] lease on ${this.client.host}: renewal failed (${(error as Error).message})`);
				if (this.transport.now() >= Date.parse(this.record.expiresAt)) {
					this.lostLease = true;
					clearInterval(this.timer);
				}
			}
		});
	}

	private serial(step: () => Promise<void>): Promise<void> {
		this.chain = this.chain.then(step);
		return this.chain;
	}
}

export type Attempt = { taken: LeaseRecord; expired: LeaseRecord | null } | { busy: LeaseRecord };

/** Who asks for the lease, and for how long. */
export interface LeaseRequest extends Holder {
	/** The run asking (a random id drawn once per run): asking again after a lost answer finds its own row. */
	run: string;
	leaseSeconds: number;
}

/**
 * The lease's rows and the destination's clock, wherever they are reached from: over REST from the
 * source (restLeaseRows), or inside the destination by its receiver's lease route (its own services).
 * The lease's rules (attemptLease, renewLease, releaseLease) are the same code either way, so runs
 * taking the lease both ways exclude each other.
 */
export interface LeaseRows {
	now(): number;
	read(): Promise<LeaseRow[]>;
	/** Creates a generation's row; false when another run created that generation first. */
	create(record: LeaseRecord): Promise<boolean>;
	remove(ids: string[]): Promise<void>;
	/** Writes this run's own row again (the same values again change nothing: safe to repeat). */
	write(record: LeaseRecord): Promise<void>;
}

/**
 * One try at the lease: read who holds it; when nobody does, create the next generation's row under
 * its fixed key. A unique-key conflict means another run created it first. After creating it, a
 * higher generation (a run that read the rows before ours existed and then won a later one) means we
 * lost after all: our row goes and the other run holds the lease. Then older generations are removed.
 * The run already holding it (its answer was lost, and it asks again) is told it holds it.
 */
export async function attemptLease(rows: LeaseRows, request: LeaseRequest): Promise<Attempt> {
	const { run } = request;
	for (let race = 1; ; race++) {
		const state = leaseState(leaseRecords(await rows.read()), rows.now());
		if (!state.free) return state.holder.run === run ? { taken: state.holder, expired: null } : { busy: state.holder };
		const now = rows.now();
		const record: LeaseRecord = {
			version: 1,
			generation: state.generation,
			run,
			operation: request.operation,
			source: request.source,
			since: new Date(now).toISOString(),
			renewedAt: new Date(now).toISOString(),
			expiresAt: new Date(now + request.leaseSeconds * 1000).toISOString(),
			releasedAt: null,
		};
		const created = await rows.create(record);
		const records = leaseRecords(await rows.read());
		const mine = records.find((entry) => entry.generation === record.generation);
		const higher = records.find((entry) => entry.generation > record.generation);
		if (created && mine?.run === run && !higher) {
			const older = records.filter((entry) => entry.generation < record.generation).map((entry) => leaseRowId(entry.generation));
			if (older.length > 0) await rows.remove(older).catch(() => undefined);
			return { taken: record, expired: state.expired };
		}
		if (mine?.run === run) await rows.remove([leaseRowId(record.generation)]);
		if (race >= MAX_RACES) {
			if (records[0]) return { busy: records[0] };
			throw new MigrationError('DESTINATION_ERROR', 'The lease could not be taken: its rows keep changing.');
		}
	}
}

/** Renews `record` for `leaseSeconds` from now; null when another run took the lease over since. */
export async function renewLease(rows: LeaseRows, record: Pick<LeaseRecord, 'generation' | 'run'>, leaseSeconds: number): Promise<LeaseRecord | null> {
	const records = leaseRecords(await rows.read());
	const top = records[0];
	if (!top || top.generation !== record.generation || top.run !== record.run) return null;
	const now = rows.now();
	const renewed = { ...top, renewedAt: new Date(now).toISOString(), expiresAt: new Date(now + leaseSeconds * 1000).toISOString() };
	await rows.write(renewed);
	return renewed;
}

/** The lease as it is now, as a run about to read sees it (see LeaseSeen). */
export async function leaseSeenWith(rows: Pick<LeaseRows, 'read' | 'now'>): Promise<LeaseSeen> {
	return seenOf(leaseState(leaseRecords(await rows.read()), rows.now()));
}

/** Gives `record`'s generation back (its row says when); returns that time. A row no longer there is left alone. */
export async function releaseLease(rows: LeaseRows, record: Pick<LeaseRecord, 'generation' | 'run'>): Promise<string> {
	const now = new Date(rows.now()).toISOString();
	const held = leaseRecords(await rows.read()).find((entry) => entry.generation === record.generation && entry.run === record.run);
	if (held && held.releasedAt === null) await rows.write({ ...held, releasedAt: now });
	return held?.releasedAt ?? now;
}

/** How this run reaches the lease: each of its steps is one request through the receiver, a few over REST. */
interface LeaseTransport {
	now(): number;
	attempt(request: LeaseRequest): Promise<Attempt>;
	renew(record: LeaseRecord, leaseSeconds: number): Promise<LeaseRecord | null>;
	release(record: LeaseRecord): Promise<string>;
	/** The lease as it is now (a read). */
	peek(): Promise<LeaseSeen>;
}

function leaseTransport(client: DestinationClient): LeaseTransport {
	const rest = restTransport(client);
	if (client.writePath.kind !== 'receiver') return rest;
	// A receiver of an earlier version has no lease route: the lease is then taken over REST (the same rows).
	let viaRest = false;
	const viaReceiver = async <T>(body: Record<string, unknown>, otherwise: () => Promise<T>): Promise<T> => {
		if (viaRest) return otherwise();
		try {
			return await client.send<T>({
				method: 'POST',
				budget: 'none',
				needsLease: false,
				path: `/${RECEIVER_ID}/lease`,
				headers: { 'Content-Type': RECEIVER_MEDIA_TYPE },
				body: () => JSON.stringify(body),
				lostAnswer: 'repeat',
			});
		} catch (error) {
			if (!isMissingRoute(error)) throw error;
			viaRest = true;
			return otherwise();
		}
	};
	return {
		now: rest.now,
		attempt: (request) => viaReceiver({ action: 'take', ...request }, () => rest.attempt(request)),
		renew: async (record, leaseSeconds) => {
			const answer = await viaReceiver<{ record: LeaseRecord | null }>({ action: 'renew', generation: record.generation, run: record.run, leaseSeconds }, async () => ({
				record: await rest.renew(record, leaseSeconds),
			}));
			return answer.record;
		},
		release: async (record) => {
			const answer = await viaReceiver<{ releasedAt: string }>({ action: 'release', generation: record.generation, run: record.run }, async () => ({ releasedAt: await rest.release(record) }));
			return answer.releasedAt;
		},
		peek: () => viaReceiver({ action: 'peek' }, () => rest.peek()),
	};
}

function restTransport(client: DestinationClient): LeaseTransport {
	const rows = restLeaseRows(client);
	return {
		now: () => rows.now(),
		attempt: (request) => attemptLease(rows, request),
		renew: (record, leaseSeconds) => renewLease(rows, record, leaseSeconds),
		// This run's own record, given back as it is: one write.
		release: async (record) => {
			const releasedAt = new Date(rows.now()).toISOString();
			await rows.write({ ...record, releasedAt });
			return releasedAt;
		},
		peek: () => leaseSeenWith(rows),
	};
}

/** The lease's rows over the destination's REST API (`/translations`). */
function restLeaseRows(client: DestinationClient): LeaseRows {
	return {
		now: () => destinationNow(client),
		read: () => readLeaseRows(client),
		create: (record) => createRow(client, record),
		remove: (ids) => deleteRows(client, ids),
		write: async (record) => {
			await client.send({
				method: 'PATCH',
				budget: 'none',
				needsLease: false,
				path: `/translations/${leaseRowId(record.generation)}`,
				params: { fields: 'id' },
				body: () => JSON.stringify({ value: JSON.stringify(record) }),
				lostAnswer: 'repeat',
			});
		},
	};
}

/** Creates a generation's row; false when another run created that generation first. */
async function createRow(client: DestinationClient, record: LeaseRecord): Promise<boolean> {
	const id = leaseRowId(record.generation);
	try {
		await client.send({
			method: 'POST',
			budget: 'none',
			needsLease: false,
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
	await client.send({ method: 'DELETE', budget: 'none', needsLease: false, path: '/translations', body: () => JSON.stringify(ids), lostAnswer: 'repeat' });
}

export async function readLeaseRows(client: DestinationClient): Promise<LeaseRow[]> {
	return readLeaseRowsWith((query) => client.send<LeaseRow[] | null>({ method: 'GET', budget: 'none', needsLease: false, path: '/translations', params: query }));
}

/** The lease's rows, by one query (over REST, or in the receiver by Directus's service). */
export async function readLeaseRowsWith(read: (query: Record<string, unknown>) => Promise<LeaseRow[] | null>): Promise<LeaseRow[]> {
	return (await read({ fields: ['id', 'value'], limit: -1, filter: { key: { _starts_with: LEASE_KEY_PREFIX } } })) ?? [];
}

/** The destination's clock (its Date headers), so that runs from sources with different clocks agree on expiry. */
function destinationNow(client: DestinationClient): number {
	return Date.now() + (client.clockOffsetMs ?? 0);
}
