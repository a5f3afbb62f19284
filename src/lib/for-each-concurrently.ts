/** Runs `work` on each value of `source`, at most `concurrency` at once, reading ahead while working. */
export async function forEachConcurrently<T>(source: AsyncIterable<T>, concurrency: number, work: (value: T) => Promise<void>): Promise<void> {
	const running = new Set<Promise<void>>();
	let failure: unknown;
	for await (const value of source) {
		const job: Promise<void> = work(value)
			.catch((error) => {
				failure ??= error;
			})
			.finally(() => running.delete(job));
		running.add(job);
		if (running.size >= concurrency) await Promise.race(running);
		if (failure) break;
	}
	await Promise.all(running);
	if (failure) throw failure;
}
