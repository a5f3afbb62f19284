import type { Reporter, TestCase, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain line that any CI can read (the default reporter's summary has its own
 * layout): "Tests: N passed, N failed, N skipped", followed by what was skipped and why, and by the
 * tests that never ran because their file or suite failed before them (a failed setup hook), so a
 * green-looking count never hides a suite that did not run.
 */
export default class PlainSummaryReporter implements Reporter {
	onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
		const counts = { passed: 0, failed: 0, skipped: 0, notRun: 0 };
		const skipReasons = new Map<string, number>();
		let brokenFiles = 0;
		for (const module of testModules) {
			if (module.errors().length > 0) brokenFiles++;
			for (const test of module.children.allTests()) {
				const result = test.result();
				if (result.state === 'passed') counts.passed++;
				else if (result.state === 'failed') counts.failed++;
				else if (result.state === 'skipped' && !failedBefore(test)) {
					counts.skipped++;
					const reason = `${test.project.name}: ${result.note ?? 'skipped in the test file'}`;
					skipReasons.set(reason, (skipReasons.get(reason) ?? 0) + 1);
				} else counts.notRun++;
			}
		}
		let line = `Tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
		if (counts.notRun > 0) line += `, ${counts.notRun} NOT RUN (their file or suite failed before them)`;
		if (brokenFiles > 0) line += `, ${brokenFiles} test file(s) FAILED outside a test`;
		if (skipReasons.size > 0) line += ` — skipped: ${[...skipReasons].map(([reason, count]) => `${reason} (${count})`).join('; ')}`;
		console.log(`\n${line}`);
	}
}

/** Whether a test was skipped because a hook or the collection of an enclosing suite or file failed. */
function failedBefore(test: TestCase): boolean {
	for (let parent: TestCase['parent'] | undefined = test.parent; parent; parent = parent.type === 'module' ? undefined : parent.parent) {
		if (parent.errors().length > 0) return true;
	}
	return false;
}
