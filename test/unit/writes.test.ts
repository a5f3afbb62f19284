import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { budgetFor, DestinationClient } from '../../src/lib/destination/client.js';
import { isRowRefusal } from '../../src/lib/destination/failures.js';
import { MigrationError, toMigrationError } from '../../src/lib/errors.js';
import { holdsSameBytes } from '../../src/lib/files/transfer.js';
import { diffRows } from '../../src/lib/system/diff-rows.js';
import { KINDS, kindsForRun } from '../../src/lib/system/kinds.js';
import { writeInParts } from '../../src/lib/write/write-in-parts.js';

describe('one rule for a refused write, content and system alike', () => {
	const failure = (code: MigrationError['code'], status?: number, directusCodes?: string[]) =>
		new MigrationError(code, 'x', { status, details: directusCodes ? { directusCodes } : undefined });

	it('rows the destination turns down fail one by one: a 4xx about the rows, a row-level 403, a 500', () => {
		expect(isRowRefusal(failure('DESTINATION_REJECTED', 400, ['RECORD_NOT_UNIQUE']))).toBe(true);
		expect(isRowRefusal(failure('PAYLOAD_TOO_LARGE', 413))).toBe(true);
		expect(isRowRefusal(failure('FORBIDDEN', 403, ['LIMIT_EXCEEDED']))).toBe(true);
		expect(isRowRefusal(failure('FORBIDDEN', 403, ['RESOURCE_RESTRICTED']))).toBe(true);
		expect(isRowRefusal(failure('DESTINATION_ERROR', 500, ['INTERNAL_SERVER_ERROR']))).toBe(true);
	});

	it('a refused token, a missing route, a destination down or a bug of ours ends the run', () => {
		expect(isRowRefusal(failure('UNAUTHORIZED', 401))).toBe(false);
		expect(isRowRefusal(failure('FORBIDDEN', 403, ['FORBIDDEN']))).toBe(false);
		expect(isRowRefusal(failure('NOT_FOUND', 404))).toBe(false);
		expect(isRowRefusal(new MigrationError('DESTINATION_UNAVAILABLE', 'x', { status: 503, delivery: 'not-applied' }))).toBe(false);
		expect(isRowRefusal(new MigrationError('DESTINATION_UNREACHABLE', 'x', { delivery: 'not-sent' }))).toBe(false);
		expect(isRowRefusal(toMigrationError(new TypeError('x is undefined'), 'DESTINATION_ERROR'))).toBe(false);
	});

	it('a refused part is halved until the refused rows stand alone: the others are written, each refusal named, a run failure thrown', async () => {
		const refused = new Set([3, 14]);
		const written: number[] = [];
		let requests = 0;
		const send = async (part: Record<string, unknown>[]) => {
			requests++;
			if (part.some((row) => refused.has(row['id'] as number))) throw failure('DESTINATION_REJECTED', 400, ['RECORD_NOT_UNIQUE']);
			written.push(...part.map((row) => row['id'] as number));
		};
		const rows = Array.from({ length: 16 }, (_, index) => ({ id: index + 1 }));
		const failures = await writeInParts(rows, send, (row) => row['id']);
		expect(failures).toEqual([3, 14]);
		expect(written.sort((a, b) => a - b)).toEqual(rows.map((row) => row.id).filter((id) => !refused.has(id)));
		// Halving, not row by row: far fewer requests than 16.
		expect(requests).toBeLessThan(16);
		await expect(writeInParts(rows, async () => Promise.reject(failure('UNAUTHORIZED', 401)), (row) => row['id'])).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
	});

	it('a TypeError of ours is INTERNAL, whatever the caller would have blamed', () => {
		expect(toMigrationError(new TypeError('boom'), 'DESTINATION_ERROR').code).toBe('INTERNAL');
		expect(toMigrationError(new Error('disk full'), 'SOURCE_ERROR').code).toBe('SOURCE_ERROR');
	});
});

describe('whether a destination file holds the source bytes', () => {
	const source = { filesize: 100, modified_on: '2026-01-01T10:00:00.000Z' };

	it('equal size and a copy written after the source changed: the same bytes', () => {
		expect(holdsSameBytes(source, { filesize: 100, modified_on: '2026-01-01T10:00:05.000Z' }, 0)).toBe(true);
	});

	it('equal size but the source changed after the copy was written: send again', () => {
		expect(holdsSameBytes({ ...source, modified_on: '2026-01-01T10:00:10.000Z' }, { filesize: 100, modified_on: '2026-01-01T10:00:05.000Z' }, 0)).toBe(false);
	});

	it('reads the destination stamp on the destination clock', () => {
		const copy = { filesize: 100, modified_on: '2026-01-01T10:00:05.000Z' };
		expect(holdsSameBytes(source, copy, 10_000)).toBe(false);
		expect(holdsSameBytes(source, copy, -10_000)).toBe(true);
	});

	it('a different size, a missing stamp or an unknown clock: send again', () => {
		expect(holdsSameBytes(source, { filesize: 101, modified_on: '2026-01-02T00:00:00.000Z' }, 0)).toBe(false);
		expect(holdsSameBytes(source, { filesize: 100, modified_on: null }, 0)).toBe(false);
		expect(holdsSameBytes(source, { filesize: 100, modified_on: '2026-01-02T00:00:00.000Z' }, undefined)).toBe(false);
		expect(holdsSameBytes(source, undefined, 0)).toBe(false);
	});
});

describe('copied Flows', () => {
	const flow = { id: 'f1', name: 'Nightly', icon: null, color: null, description: null, status: 'active', trigger: 'schedule', accountability: 'all', options: {}, operation: null };
	const [flows] = kindsForRun([KINDS.flows], { activateFlows: false });

	it('are created inactive unless asked', () => {
		expect(diffRows(flows!, [flow], []).create[0]).toMatchObject({ status: 'inactive' });
		const [asIs] = kindsForRun([KINDS.flows], { activateFlows: true });
		expect(diffRows(asIs!, [flow], []).create[0]).toMatchObject({ status: 'active' });
	});

	it('keep the status the destination gave them once they exist', () => {
		const diff = diffRows(flows!, [flow], [{ ...flow, status: 'inactive' }]);
		expect(diff.update).toEqual([]);
		expect(diff.unchanged).toEqual(['f1']);
	});
});

describe('the request budget of a destination', () => {
	it('is not rewritten by a client built while it is in use, and is set afresh once idle', async () => {
		const url = 'http://budget.test';
		const first = budgetFor(url, { concurrency: 2, requestsPerSecond: 0 });
		let release!: () => void;
		const running = first.limit(() => new Promise<void>((resolve) => (release = resolve)));
		const second = budgetFor(url, { concurrency: 8, requestsPerSecond: 5 });
		expect(second).toBe(first);
		while (!release) await new Promise((resolve) => setTimeout(resolve, 1));
		expect(second.limit.concurrency).toBe(2);
		release();
		await running;
		const third = budgetFor(url, { concurrency: 8, requestsPerSecond: 5 });
		expect(third.limit.concurrency).toBe(8);
		expect(third.pacer.perSecond).toBe(5);
	});
});

describe('the request timeout', () => {
	let server: Server | undefined;
	afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

	async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
		server = createServer(handler);
		await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
		return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	}
	const clientFor = (url: string, timeoutMs: number) =>
		new DestinationClient({ url, host: new URL(url).host, token: 't', retries: 0, requestsPerSecond: 0, timeoutMs, policy: { denyList: [], allowList: [] } });

	it('does not cut off an upload that keeps moving bytes for longer than the timeout', async () => {
		const url = await serve((request, response) => {
			let bytes = 0;
			request.on('data', (chunk: Buffer) => (bytes += chunk.length));
			request.on('end', () => {
				response.writeHead(200, { 'Content-Type': 'application/json' });
				response.end(JSON.stringify({ data: { bytes } }));
			});
		});
		const slowBody = () =>
			new ReadableStream<Uint8Array>({
				async start(controller) {
					for (let index = 0; index < 8; index++) {
						controller.enqueue(new Uint8Array(1000));
						await new Promise((resolve) => setTimeout(resolve, 100));
					}
					controller.close();
				},
			});
		const startedAt = Date.now();
		const answer = await clientFor(url, 300).send<{ bytes: number }>({ method: 'POST', path: '/files', body: slowBody, lostAnswer: 'fail' });
		expect(answer).toEqual({ bytes: 8000 });
		expect(Date.now() - startedAt).toBeGreaterThan(600);
	});

	it('times out a destination that stays silent', async () => {
		const url = await serve((request) => request.resume());
		const startedAt = Date.now();
		await expect(clientFor(url, 300).send({ method: 'GET', path: '/server/ping' })).rejects.toMatchObject({ code: 'DESTINATION_UNREACHABLE' });
		expect(Date.now() - startedAt).toBeLessThan(3000);
	});
});
