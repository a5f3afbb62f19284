/**
 * Databases of a test run are named `dmo_run_<pid>_…` after the process that made them. Of `names`,
 * those whose process is gone (a run that died before dropping them).
 */
export function databasesOfDeadRuns(names: string[]): string[] {
	return names.filter((name) => !processAlive(Number(name.split('_')[2])));
}

function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}
