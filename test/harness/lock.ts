import { mkdirSync, rmSync, statSync } from 'node:fs';

/** Runs `work` holding a lock folder, so that parallel test runs do not build the same template at once. */
export async function withLock<T>(path: string, work: () => Promise<T>): Promise<T> {
	const deadline = Date.now() + 300_000;
	for (;;) {
		try {
			mkdirSync(path);
			break;
		} catch {
			// A lock older than five minutes was left by a run that died.
			try {
				if (Date.now() - statSync(path).mtimeMs > 300_000) rmSync(path, { recursive: true, force: true });
			} catch {
				/* gone meanwhile */
			}
			if (Date.now() > deadline) throw new Error(`could not take the lock ${path}`);
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
	}
	try {
		return await work();
	} finally {
		rmSync(path, { recursive: true, force: true });
	}
}
