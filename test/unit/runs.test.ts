import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changeOf, decideBytesUndo, decideUndo } from '../../src/lib/rollback/undo-decision.ts';
import { planSchemaUndo } from '../../src/lib/rollback/schema.ts';
import { systemRollbackWarnings } from '../../src/lib/rollback/system.ts';
import type { RunRecord } from '../../src/lib/runs/store.ts';
import { linesBackwards } from '../../src/lib/runs/backwards.ts';
import { progressOf } from '../../src/lib/runs/progress.ts';
import type { JournalEntry } from '../../src/lib/runs/journal.ts';

const facts = { phase: 'items' as const, collection: 'bulk', rows: { done: 300, total: 1000 }, files: { done: 0, total: 0 }, warnings: 0, failures: 0 };

describe('live progress', () => {
	it('rate is the rows moved since the phase began over its seconds, and the time left follows from it', () => {
		const progress = progressOf(facts, { at: 0, done: 100 }, 10_000);
		expect(progress.rate).toBe(20);
		expect(progress.etaSeconds).toBe(35);
	});

	it('says nothing of rate or time left before a second has passed or a row has moved', () => {
		expect(progressOf(facts, { at: 0, done: 300 }, 5_000)).toMatchObject({ rate: null, etaSeconds: null });
		expect(progressOf(facts, { at: 9_500, done: 100 }, 10_000)).toMatchObject({ rate: null, etaSeconds: null });
	});

	it('counts files, not rows, in the files phase', () => {
		const progress = progressOf({ ...facts, phase: 'files', files: { done: 10, total: 30 } }, { at: 0, done: 0 }, 5_000);
		expect(progress).toMatchObject({ rate: 2, etaSeconds: 10 });
	});
});

const entry = (op: JournalEntry['op'], k: number, b?: Record<string, unknown>, a?: Record<string, unknown>): JournalEntry => ({ c: 'posts', p: 'id', k, op, b, a });

describe('rollback decisions', () => {
	it('restores an updated field only while the destination still holds what the run wrote', () => {
		const change = changeOf(entry('update', 1, { title: 'old' }, { id: 1, title: 'new' }));
		expect(decideUndo(change, { id: 1, title: 'new' }, {}, new Set(), false)).toEqual({ action: 'patch', forced: false });
		expect(decideUndo(change, { id: 1, title: 'someone else' }, {}, new Set(), false)).toEqual({ action: 'conflict', fields: ['title'] });
		expect(decideUndo(change, { id: 1, title: 'someone else' }, {}, new Set(), true)).toEqual({ action: 'patch', forced: true });
		expect(decideUndo(change, { id: 1, title: 'old' }, {}, new Set(), false)).toEqual({ action: 'none' });
	});

	it('deletes a created row unless it changed since, ignoring the fields Directus stamps', () => {
		const change = changeOf(entry('create', 1, undefined, { id: 1, title: 'a', date_updated: '1' }));
		expect(decideUndo(change, { id: 1, title: 'a', date_updated: '2' }, {}, new Set(['date_updated']), false)).toEqual({ action: 'delete', forced: false });
		expect(decideUndo(change, { id: 1, title: 'b' }, {}, new Set(), false)).toMatchObject({ action: 'conflict' });
		expect(decideUndo(change, undefined, {}, new Set(), false)).toEqual({ action: 'none' });
	});

	it('re-creates a deleted row when its key is still free, and names it a conflict when the key is taken again', () => {
		const change = changeOf(entry('delete', 1, { id: 1, title: 'gone' }));
		expect(decideUndo(change, undefined, {}, new Set(), false)).toEqual({ action: 'create', forced: false });
		expect(decideUndo(change, { id: 1, title: 'new one' }, {}, new Set(), false)).toMatchObject({ action: 'conflict' });
	});
});

describe('undoing replaced bytes', () => {
	const entry = { before: { id: 'f', title: 'old' }, after: { id: 'f', title: 'new' }, bytes: { copy: 'c', before: { size: 3, sha256: 'OLD' }, after: { size: 4, sha256: 'NEW' } } };
	const decide = (title: string, sha256: string | null, force = false) => decideBytesUndo(entry, { row: { id: 'f', title }, sha256 }, {}, new Set(), force);

	it('restores bytes and metadata where the file still holds what the run wrote', () => {
		expect(decide('new', 'NEW')).toEqual({ action: 'restore', bytes: true, forced: false });
	});
	it('leaves a file alone whose bytes or metadata changed since, unless forced', () => {
		expect(decide('new', 'OTHER')).toEqual({ action: 'conflict', fields: ['(the bytes changed since)'] });
		expect(decide('edited', 'NEW')).toEqual({ action: 'conflict', fields: ['title'] });
		expect(decide('edited', null, true)).toEqual({ action: 'restore', bytes: true, forced: true });
		expect(decideBytesUndo(entry, { row: undefined, sha256: null }, {}, new Set(), true)).toMatchObject({ action: 'conflict' });
	});
	it('does nothing where the bytes before the run are there (never replaced, or restored already)', () => {
		expect(decide('old', 'OLD')).toEqual({ action: 'none' });
		expect(decide('edited', 'OLD')).toEqual({ action: 'none' });
	});
	it('bytes the run sent unchanged (metadata only changed) give back the metadata without an upload', () => {
		const same = { ...entry, bytes: { ...entry.bytes, after: entry.bytes.before } };
		expect(decideBytesUndo(same, { row: { id: 'f', title: 'new' }, sha256: 'OLD' }, {}, new Set(), false)).toEqual({ action: 'restore', bytes: false, forced: false });
		expect(decideBytesUndo(same, { row: { id: 'f', title: 'old' }, sha256: 'OLD' }, {}, new Set(), false)).toEqual({ action: 'none' });
	});
});

describe('reading a journal backwards', () => {
	it('yields every line from the last to the first across block boundaries, multi-byte characters intact', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'backwards-'));
		const path = join(dir, 'journal.ndjson');
		const lines = Array.from({ length: 5000 }, (_, index) => JSON.stringify({ index, text: `ligne ${index} — é ${'x'.repeat(index % 50)}` }));
		writeFileSync(path, lines.join('\n') + '\n');
		const read: string[] = [];
		for await (const line of linesBackwards(path)) read.push(line);
		rmSync(dir, { recursive: true, force: true });
		expect(read).toEqual([...lines].reverse());
	});
});

describe('the notification of a finished run', () => {
	it('names the outcome, the destination, the counts summed over collections, and links the record', async () => {
		const { runNotification } = await import('../../src/lib/runs/notify.ts');
		const report = {
			destination: { host: 'prod.example.com' },
			collections: { a: { created: 2, updated: 1, failed: 0 }, b: { created: 3, updated: 0, failed: 1 } },
			files: { transferred: 4, skipped: 1, failed: 0, bytes: 99 },
		};
		const { subject, message } = runNotification({ operation: 'migration-migrate-tables', succeeded: true, report, runId: 7, publicUrl: 'https://cms.example.com/' });
		expect(subject).toBe('Migration succeeded: migration-migrate-tables to prod.example.com');
		expect(message).toContain('Items: 5 created, 1 updated, 1 failed.');
		expect(message).toContain('Files: 4 transferred, 1 skipped, 0 failed.');
		expect(message).toContain('[/migration-runs/7](https://cms.example.com/migration-runs/7)');
	});

	it('a failed run says its code and message', async () => {
		const { runNotification } = await import('../../src/lib/runs/notify.ts');
		const { subject, message } = runNotification({ operation: 'migration-rollback', succeeded: false, report: { code: 'ROLLBACK_CONFLICT', message: '2 rows left alone', destination: { host: 'h' } }, runId: null, publicUrl: null });
		expect(subject).toBe('Migration failed (ROLLBACK_CONFLICT): migration-rollback to h');
		expect(message).toContain('failed: 2 rows left alone');
	});
});

describe('undoing a schema run', () => {
	const created = { collection: 'gadgets', diff: [{ kind: 'D', lhs: { collection: 'gadgets' } }] };
	const added = { collection: 'things', field: 'colour', diff: [{ kind: 'D', lhs: { field: 'colour' } }] };
	const gadgetField = { collection: 'gadgets', field: 'name', diff: [{ kind: 'D', lhs: { field: 'name' } }] };
	const dropped = { collection: 'things', field: 'size', diff: [{ kind: 'N', rhs: { field: 'size' } }] };
	const undo = { collections: [created], fields: [added, gadgetField, dropped], systemFields: [], relations: [] } as any;

	it('undoes what the destination still holds as the run left it, and names the data a rollback drops or cannot bring back', () => {
		const { apply, outcome } = planSchemaUndo(undo, undo, false);
		expect(apply).toEqual(undo);
		expect(outcome).toMatchObject({ conflicts: [], unchanged: 0, dropsData: ['gadgets', 'things.colour'], dataNotRestored: ['things.size'] });
	});

	it('leaves alone what changed since the run (a conflict unless force) and what the run did not change', () => {
		const edited = { ...added, diff: [{ kind: 'E', path: ['meta', 'note'], lhs: 'Edited', rhs: null }] };
		const unrelated = { collection: 'other', field: 'title', diff: [{ kind: 'D', lhs: { field: 'title' } }] };
		const now = { collections: [created], fields: [edited, gadgetField, unrelated], systemFields: [], relations: [] } as any;
		const { apply, outcome } = planSchemaUndo(undo, now, false);
		expect(apply.fields).toEqual([gadgetField]);
		expect(outcome).toMatchObject({ conflicts: [{ change: 'things.colour' }], unchanged: 1, forced: 0 });
		expect(planSchemaUndo(undo, now, true).apply.fields).toEqual([edited, gadgetField]);
	});
});

describe('undoing a system run', () => {
	const record = (operation: string, report: Record<string, unknown> | null): RunRecord => ({
		id: 7,
		operation,
		trigger: { kind: 'manual' } as unknown as RunRecord['trigger'],
		destination: { host: 'destination.example.com' },
		startedAt: '2026-11-22T20:00:00.000Z',
		endedAt: '2026-11-22T20:01:00.000Z',
		outcome: 'done' as RunRecord['outcome'],
		report,
		journal: { file: 'file', entries: 3 },
		rolledBackBy: null,
		progress: null,
	});

	it('says how many copied passwords and installed extensions a rollback cannot give back, never a value', () => {
		const warnings = systemRollbackWarnings(record('migration-system', { passwords: { copied: 2, skipped: 0 }, scopes: { users: { created: 1 }, extensions: { created: 1 } } }));
		expect(warnings.map((warning) => warning.code)).toEqual(['DATA_NOT_RESTORED', 'EXTENSIONS_NOT_UNINSTALLED']);
		expect(warnings[0]!.message).toContain('2 user password(s)');
	});

	it('warns of nothing when the run copied no password and installed no extension, or is not a system run', () => {
		expect(systemRollbackWarnings(record('migration-system', { passwords: null, scopes: { users: { created: 1 } } }))).toEqual([]);
		expect(systemRollbackWarnings(record('migration-system', null))).toEqual([]);
		expect(systemRollbackWarnings(record('migration-upsert-items', { passwords: { copied: 2 } }))).toEqual([]);
	});
});
