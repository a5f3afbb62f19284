import type { RunPhase, RunProgress } from './store.js';

/** What a running step can say about itself at any moment (read by the recorder, never pushed). */
export interface ProgressFacts {
	phase: RunPhase;
	collection: string | null;
	rows: { done: number; total: number };
	files: { done: number; total: number };
	warnings: number;
	failures: number;
}

/**
 * Progress with a rate and an estimate of the time left in the phase: units done (rows, or files in
 * the files phase) since the phase started, over the seconds it has run. Pure, so it is tested alone.
 */
export function progressOf(facts: ProgressFacts, phaseStart: { at: number; done: number }, now: number): RunProgress {
	const unit = facts.phase === 'files' ? facts.files : facts.rows;
	const seconds = (now - phaseStart.at) / 1000;
	const moved = unit.done - phaseStart.done;
	const rate = seconds >= 1 && moved > 0 ? moved / seconds : null;
	const left = Math.max(0, unit.total - unit.done);
	return {
		...facts,
		rate: rate === null ? null : Math.round(rate * 10) / 10,
		etaSeconds: rate === null ? (left === 0 && unit.total > 0 ? 0 : null) : Math.ceil(left / rate),
		updatedAt: new Date(now).toISOString(),
	};
}
