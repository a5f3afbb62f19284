import { TestRunner, type RunnerTask, type RunnerTestCase, type RunnerTestFile, type RunnerTestSuite } from 'vitest';

/**
 * A suite that cannot run here (no PostgreSQL, no Chromium) must never look green. vitest.config.ts
 * decides, per project, which test files are gated and how, and passes it in E2E_GATES (JSON):
 * - `fail`: every test of the file fails with the gate's message;
 * - `skip`: every test of the file is skipped, with the gate's reason as its note (the closing
 *   summary line names it).
 * Either way none of the file's hooks run (no Directus is started for a run that cannot happen).
 */
export interface SuiteGate {
	/** The end of the test file's path, or '*' for every file of the project. */
	file: string;
	mode: 'fail' | 'skip';
	reason: string;
}

export function gatesFromEnv(): SuiteGate[] {
	const text = process.env['E2E_GATES'];
	return text ? (JSON.parse(text) as SuiteGate[]) : [];
}

function everyTask(suite: RunnerTestSuite, visit: (task: RunnerTask) => void): void {
	for (const task of suite.tasks) {
		visit(task);
		if (task.type === 'suite') everyTask(task, visit);
	}
}

function emptyHooks(suite: RunnerTestSuite): void {
	const hooks = TestRunner.getSuiteHooks(suite) as unknown as Record<string, unknown[]>;
	for (const list of Object.values(hooks)) if (Array.isArray(list)) list.length = 0;
}

/**
 * The gates act when each test starts (vitest has already reported the collected files by the time
 * `onCollected` runs, so modes set there would not reach the reporters): the file's hooks are emptied,
 * and each test fails with the gate's message or skips itself with the gate's reason as its note.
 */
export default class SuiteGateRunner extends TestRunner {
	private readonly gated = new WeakMap<RunnerTask, SuiteGate>();

	onCollected(files: RunnerTestFile[]): void {
		const gates = gatesFromEnv();
		for (const file of files) {
			const gate = gates.find((candidate) => candidate.file === '*' || file.filepath.endsWith(candidate.file));
			if (!gate) continue;
			emptyHooks(file);
			everyTask(file, (task) => {
				if (task.type === 'suite') emptyHooks(task);
				else this.gated.set(task, gate);
			});
		}
	}

	override onBeforeTryTask(test: RunnerTestCase): void {
		const gate = this.gated.get(test);
		if (gate?.mode === 'skip') test.context.skip(gate.reason);
		if (gate?.mode === 'fail') throw Object.assign(new Error(gate.reason), { stack: `Error: ${gate.reason}` });
		super.onBeforeTryTask(test);
	}
}
