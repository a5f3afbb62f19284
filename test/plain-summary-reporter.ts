import type { Reporter, TestCase, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain line that any CI can read (the default reporter's summary has its own
 * layout): "Tests: N passed, N failed, N skipped", preceded by what was skipped and why (with the
 * command that runs it) and by the tests that never ran because their file or suite failed before
 * them (a failed setup hook, counted as failed), so a green-looking count never hides a suite that
 * did not run.
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
		// What the closing line cannot say goes on lines of its own above it: CI reads the last line,
		// which must be the plain count alone. A test that never ran, and a file that failed outside a
		// test, count as failed there.
		const notes: string[] = [];
		if (counts.notRun > 0) notes.push(`NOT RUN: ${counts.notRun} test(s), because their file or suite failed before them (counted as failed)`);
		if (brokenFiles > 0) notes.push(`FAILED outside a test: ${brokenFiles} test file(s) (counted as failed)`);
		for (const [reason, count] of skipReasons) notes.push(`SKIPPED: ${count} test(s) — ${reason}`);
		const failed = counts.failed + counts.notRun + brokenFiles;
		console.log(`\n${notes.join('\n')}${notes.length > 0 ? '\n' : ''}Tests: ${counts.passed} passed, ${failed} failed, ${counts.skipped} skipped`);
	}
}

/** Whether a test was skipped because a hook or the collection of an enclosing suite or file failed. */
function failedBefore(test: TestCase): boolean {
	for (let parent: TestCase['parent'] | undefined = test.parent; parent; parent = parent.type === 'module' ? undefined : parent.parent) {
		if (parent.errors().length > 0) return true;
	}
	return false;
}
