/**
 * The "Migration runs" Insights panel in the real admin app (headless Chromium): a bar per running
 * run, then the recent history. Its screenshots (docs/screenshots/) are rewritten by every run. Gated
 * like the other browser test (vitest.config.ts): it fails without Chromium unless E2E_BROWSER=skip,
 * and runs in the SQLite run only.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeOnboarding, openBrowser, signIn, type BrowserSession } from '../harness/browser.ts';
import { FaultProxy } from '../harness/fault-proxy.ts';
import { createFlow, withFlow } from '../harness/flows.ts';
import { PROJECT_ROOT } from '../harness/paths.ts';
import { startPair, type Pair } from '../harness/pair.ts';
import { createCollection, integerKey, stringField } from '../harness/schema-fixtures.ts';

const SCREENSHOTS = join(PROJECT_ROOT, 'docs/screenshots');
const ROWS = 1500;
let pair: Pair;
let session: BrowserSession;
let proxy: FaultProxy;

beforeAll(async () => {
	mkdirSync(SCREENSHOTS, { recursive: true });
	pair = await startPair();
	await completeOnboarding(pair.source);
	await createCollection(pair.source, 'products', [integerKey, stringField('name')]);
	const schema = await withFlow(pair.source, [{ key: 'schema', type: 'migration-schema-sync', options: { dryRun: false } }], (flow) => flow.trigger());
	expect(schema.resolved, JSON.stringify(schema.last).slice(0, 1000)).toBe(true);
	for (let start = 0; start < ROWS; start += 500) {
		await pair.source.api('POST', '/items/products?fields=id', Array.from({ length: 500 }, (_, index) => ({ name: `Product ${start + index}` })));
	}
	proxy = await new FaultProxy(pair.destination.url).start();
	session = await openBrowser(['migration-runs-panel'], { width: 1400, height: 900 });
});
afterAll(async () => {
	await session?.close();
	await proxy?.stop();
	await pair?.stop();
});

describe('the "Migration runs" Insights panel', () => {
	it('shows a running run with its bar and facts, then the finished run in the history', async () => {
		const { source } = pair;
		// Some history first: a run that succeeded and one that failed.
		await withFlow(source, [{ key: 'migrate', type: 'migration-migrate-tables', options: { collections: 'products', keys: '1,2,3' } }], (flow) => flow.trigger());
		await withFlow(source, [{ key: 'migrate', type: 'migration-migrate-tables', options: { collections: 'products', destinationUrl: 'http://127.0.0.1:9' } }], (flow) => flow.trigger());

		const dashboard = await source.api<{ id: string }>('POST', '/dashboards', { name: 'Migrations', icon: 'sync_alt' });
		await source.api('POST', '/panels', {
			dashboard: dashboard.id,
			name: 'Migration runs',
			icon: 'sync_alt',
			type: 'migration-runs-panel',
			show_header: true,
			position_x: 1,
			position_y: 1,
			width: 30,
			height: 20,
			options: { limit: 8, refreshSeconds: 1 },
		});

		proxy.faults = { latencyMs: 80 };
		const flow = await createFlow(source, [{ key: 'migrate', type: 'migration-migrate-tables', options: { collections: 'products', destinationUrl: proxy.url, batchSize: 25, concurrency: 1 } }], {
			name: 'Publish products',
			trigger: { type: 'webhook', options: { method: 'POST', async: true } },
		});
		try {
			const page = session.page;
			await signIn(page, source);
			await page.goto(`${source.url}/admin/insights/${dashboard.id}`);
			await page.locator('.migration-runs-panel').waitFor();
			await page.getByText('No migration is running.').waitFor();

			const response = await fetch(`${source.url}/flows/trigger/${flow.id}`, { method: 'POST', headers: { Authorization: `Bearer ${source.token}` } });
			expect(response.ok).toBe(true);
			const running = page.locator('.migration-runs-panel li.running');
			await running.waitFor({ timeout: 30_000 });
			// Wait until the bar has moved and the rate is known, so the screenshot shows a run in progress.
			await page.waitForFunction(() => {
				const bar = document.querySelector('.migration-runs-panel li.running .bar');
				const value = Number(bar?.getAttribute('aria-valuenow') ?? 0);
				return value >= 15 && value < 90 && /\/s/.test(document.querySelector('.migration-runs-panel li.running .facts')?.textContent ?? '');
			}, undefined, { timeout: 60_000 });
			const facts = await running.locator('.facts').textContent();
			expect(facts).toContain(`/ ${ROWS} rows`);
			expect(facts).toContain('products');
			await page.screenshot({ path: join(SCREENSHOTS, 'migration-runs-in-progress.png') });

			await running.waitFor({ state: 'detached', timeout: 120_000 });
			const latest = page.locator('.migration-runs-panel li.run').filter({ hasText: 'succeeded' }).first();
			expect(await latest.textContent()).toContain('migrate-tables');
			expect(await page.locator('.migration-runs-panel').textContent()).toMatch(/failed \([A-Z_]+\)/);
			await page.screenshot({ path: join(SCREENSHOTS, 'migration-runs-finished.png') });
			expect(session.takeBundleErrors()).toEqual([]);
		} finally {
			await flow.remove();
		}
	});
});
