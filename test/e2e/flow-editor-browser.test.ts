/**
 * The operations as a Flow builder sees them: the real admin app of the source Directus, in a real
 * (headless) Chromium. Which operations and which fields are checked comes from the built bundle
 * (dist/app.js) and package.json, so a new operation is covered as soon as it is listed there.
 * Screenshots under docs/screenshots/ are rewritten by every run, so the docs show the app as it is.
 * Where Chromium is not installed (scripts/install-chromium.sh installs it) every test here FAILS with
 * that reason, unless the run says E2E_BROWSER=skip; it runs in the SQLite run only. Both rules live in
 * vitest.config.ts (the suite gates), so the summary line says when and why it did not run.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completeOnboarding, openBrowser, signIn, type BrowserSession } from '../harness/browser.ts';
import { bundledOperations, defaultOf, isMasked, visibleFields, type OperationPanel } from '../harness/bundle.ts';
import { changeField, fieldIn, plainNote, readFieldValue } from '../harness/drawer.ts';
import { createCanvasFlow, deleteFlows, type CanvasOperation } from '../harness/flow-canvas.ts';
import { PROJECT_ROOT } from '../harness/paths.ts';
import { startPair, type Pair } from '../harness/pair.ts';

const SECRET = 'tok-must-never-show-3f9c1e7a';
const DESTINATION_URL = 'https://destination.example.com:8443/directus';
const COLLECTIONS = ['articles', 'authors'];
const SCREENSHOTS = join(PROJECT_ROOT, 'docs/screenshots');
/** The widths the admin app's form lays out; any other value silently renders full width. */
const FIELD_WIDTHS = ['half', 'half-left', 'half-right', 'full', 'fill'];

/** The options a Flow builder would have filled in: a destination, its token typed in, some collections. */
function initialOptions(panel: OperationPanel): Record<string, unknown> {
	const options: Record<string, unknown> = {};
	for (const field of visibleFields(panel)) {
		if (field.field === 'destinationUrl') options[field.field] = DESTINATION_URL;
		else if (isMasked(field)) options[field.field] = SECRET;
		else if (field.field === 'collections') options[field.field] = COLLECTIONS;
	}
	return options;
}

/** "Migration: sync schema" → "Sync schema": the name a builder gives the step in the Flow. */
function stepName(panel: OperationPanel): string {
	const short = panel.name.replace(/^[^:]*:\s*/, '');
	return short.charAt(0).toUpperCase() + short.slice(1);
}

describe('the operations in the Flow editor of the admin app', () => {
	let pair: Pair;
	let session: BrowserSession;
	let panels: OperationPanel[];
	const flowIds: string[] = [];
	let canvasFlow: { id: string; operationIds: Map<string, string> };
	const canvasOptions = new Map<string, Record<string, unknown>>();

	beforeAll(async () => {
		panels = await bundledOperations();
		mkdirSync(SCREENSHOTS, { recursive: true });
		pair = await startPair();
		await completeOnboarding(pair.source);
		session = await openBrowser(
			panels.map((panel) => panel.id),
			{ width: 1800, height: 1000 },
		);
	});

	afterAll(async () => {
		// Directus Core allows 5 active flows: leave none behind, whatever happened.
		if (pair) await deleteFlows(pair.source, flowIds);
		await session?.close();
		await pair?.stop();
	});

	afterEach(() => {
		const errors = session?.takeBundleErrors() ?? [];
		expect(errors, `our app bundle logged errors in the browser:\n${errors.join('\n')}`).toEqual([]);
	});

	const page = () => session.page;
	const card = (panel: OperationPanel): Locator => page().locator(`.v-workspace-tile.operation[type="${panel.id}"]`);
	const openFlow = async (id: string) => {
		await page().goto(`${pair.source.url}/admin/settings/flows/${id}`);
		await page().locator('.v-workspace-tile.trigger').waitFor();
	};
	const overviewOf = async (tile: Locator) =>
		tile.locator('.options-overview > div').evaluateAll((rows) =>
			rows.map((row) => ({
				label: row.querySelector('dt')?.textContent?.trim() ?? '',
				text: row.querySelector('dd')?.textContent?.trim() ?? '',
			})),
		);
	const expectedOverview = (panel: OperationPanel, options: Record<string, unknown>) =>
		panel.overview(options, { flow: {} }).map(({ label, text }) => ({ label, text: String(text).trim() }));
	/** Edit mode: a flow with operations opens read-only ("Edit Flow" unlocks the cards), an empty one editable. */
	const enterEditMode = async () => {
		const edit = page().getByRole('button', { name: 'Edit Flow' });
		const editing = page().locator('.v-workspace.editing');
		await edit.or(editing).first().waitFor();
		if (await edit.isVisible()) await edit.click();
		await editing.waitFor();
	};
	const openDrawer = async (panel: OperationPanel): Promise<Locator> => {
		await card(panel).locator('.edit-actions button:has(i[data-icon="edit"])').click();
		const drawer = page().locator('.v-drawer').filter({ hasText: 'Edit Operation' });
		await drawer.locator('.v-form.extension-options').waitFor();
		return drawer;
	};
	const closeDrawer = async (drawer: Locator) => {
		await drawer.getByRole('button', { name: 'Done' }).click();
		await drawer.waitFor({ state: 'detached' });
	};
	const expectNoVisibleSecret = async (scope: Locator) => {
		expect(await scope.innerText()).not.toContain(SECRET);
		const inputsShowingSecret = await scope
			.locator('input')
			.evaluateAll((inputs, secret) => inputs.filter((input) => (input as HTMLInputElement).value.includes(secret) && (input as HTMLInputElement).type !== 'password').length, SECRET);
		expect(inputsShowingSecret, 'an unmasked input shows the token').toBe(0);
	};

	it('a user signs in to the admin app with the email and password form', async () => {
		await signIn(page(), pair.source);
		expect(new URL(page().url()).pathname).not.toContain('/login');
		await expect.poll(() => page().getByRole('link', { name: 'Settings' }).first().isVisible()).toBe(true);
	});

	it('every operation of the bundle shows on the Flow canvas with its name and overview, never the token', async () => {
		const operations: CanvasOperation[] = panels.map((panel) => {
			const options = initialOptions(panel);
			canvasOptions.set(panel.id, options);
			return { key: panel.id.replace(/-/g, '_'), name: stepName(panel), type: panel.id, options };
		});
		canvasFlow = await createCanvasFlow(pair.source, 'Migrate to the destination', operations);
		flowIds.push(canvasFlow.id);

		await openFlow(canvasFlow.id);
		for (const panel of panels) {
			const tile = card(panel);
			await tile.first().waitFor();
			expect(await tile.count(), `cards for ${panel.id}`).toBe(1);
			expect(await tile.locator('.header .name').textContent()).toBe(panel.name);
			expect(await tile.locator('.block > .name').textContent()).toBe(stepName(panel));
			const overview = await overviewOf(tile);
			expect(overview, `overview of ${panel.id}`).toEqual(expectedOverview(panel, canvasOptions.get(panel.id)!));
			if (canvasOptions.get(panel.id)!['destinationUrl']) {
				expect(overview).toContainEqual({ label: 'Destination', text: new URL(DESTINATION_URL).host });
			}
			if (canvasOptions.get(panel.id)!['collections']) {
				expect(overview).toContainEqual({ label: 'Collections', text: COLLECTIONS.join(', ') });
			}
		}
		await expectNoVisibleSecret(page().locator('body'));
		// The webhook URL holds this run's random port: painted over, so the picture changes only with the app.
		await page().locator('.v-workspace').screenshot({
			path: join(SCREENSHOTS, 'flow-canvas.png'),
			animations: 'disabled',
			mask: [page().locator('.v-workspace-tile.trigger dd').filter({ hasText: '/flows/trigger/' })],
			maskColor: '#ffffff',
		});
	});

	it("each operation's drawer renders every option with its label and note, fills in the defaults and masks the token", async () => {
		await openFlow(canvasFlow.id);
		await enterEditMode();
		for (const panel of panels) {
			const drawer = await openDrawer(panel);
			const options = canvasOptions.get(panel.id)!;
			for (const field of visibleFields(panel)) {
				const block = fieldIn(drawer, field);
				if (field.meta?.conditions && (await block.count()) === 0) continue;
				const where = `${panel.id} › ${field.field}`;
				expect(await block.count(), `${where} is not rendered`).toBe(1);
				expect(field.name, `${where} has no name (label)`).toBeTruthy();
				expect((await block.locator('.field-label .v-text-overflow').first().textContent())?.trim(), where).toBe(field.name);
				if (!field.meta?.interface?.startsWith('presentation-')) {
					expect(field.meta?.note, `${where} has no note`).toBeTruthy();
					expect((await block.locator('.type-note').textContent())?.replace(/\s+/g, ' ').trim(), where).toBe(plainNote(field.meta!.note!));
				}
				expect(FIELD_WIDTHS, `${where}: width "${field.meta?.width}" is not one the app lays out`).toContain(field.meta?.width ?? 'full');
				const rendered = block.locator('.interface');
				expect(await rendered.locator(':scope > *').count(), `${where}: interface "${field.meta?.interface}" rendered nothing`).toBeGreaterThan(0);
				expect(await rendered.innerText(), `${where}: interface "${field.meta?.interface}"`).not.toMatch(/not found/i);
				if (isMasked(field)) {
					expect(await block.locator('input').getAttribute('type'), `${where} must be masked`).toBe('password');
				} else if (options[field.field] === undefined && defaultOf(field) !== undefined) {
					const shown = await readFieldValue(block, field);
					if (shown !== undefined) expect(shown, `${where} default`).toEqual(defaultOf(field));
				}
			}
			await expectNoVisibleSecret(drawer);
			await screenshotDrawer(drawer, join(SCREENSHOTS, `drawer-${panel.id}.png`));
			await closeDrawer(drawer);
		}
	});

	it('values changed in each drawer are saved with the Flow and read back over REST', async () => {
		await openFlow(canvasFlow.id);
		await enterEditMode();
		const changed = new Map<string, Record<string, unknown>>();
		for (const panel of panels) {
			const drawer = await openDrawer(panel);
			const options = canvasOptions.get(panel.id)!;
			const expected: Record<string, unknown> = {};
			for (const field of visibleFields(panel)) {
				const block = fieldIn(drawer, field);
				if ((await block.count()) === 0) continue;
				const value = await changeField(page(), block, field, options[field.field]);
				if (value !== undefined) expected[field.field] = value;
			}
			changed.set(panel.id, expected);
			await closeDrawer(drawer);
		}
		const changedFields = [...changed.values()].reduce((count, fields) => count + Object.keys(fields).length, 0);
		expect(changedFields, 'no field of any drawer could be changed').toBeGreaterThan(0);
		await page().getByRole('button', { name: 'Save' }).click();
		await page().getByRole('button', { name: 'Edit Flow' }).waitFor();

		for (const panel of panels) {
			const id = canvasFlow.operationIds.get(panel.id.replace(/-/g, '_'))!;
			const saved = await pair.source.api<{ options: Record<string, unknown> }>('GET', `/operations/${id}`);
			expect(saved.options, `${panel.id} after saving`).toMatchObject(changed.get(panel.id)!);
			// The token was not touched: still there, still never shown.
			for (const field of visibleFields(panel).filter(isMasked)) expect(saved.options[field.field]).toBe(SECRET);
			expect(await overviewOf(card(panel)), `overview of ${panel.id} after saving`).toEqual(expectedOverview(panel, saved.options));
		}
		await expectNoVisibleSecret(page().locator('body'));
	});

	it('a Flow builder adds an operation to a new Flow from the "add operation" list, by its name, with its defaults', async () => {
		const flow = await createCanvasFlow(pair.source, 'Added from the list', [], 'inactive');
		flowIds.push(flow.id);
		await openFlow(flow.id);
		await enterEditMode();
		await page().locator('.v-workspace-tile.trigger button.add-resolve').click();
		const drawer = page().locator('.v-drawer').filter({ hasText: 'Create Operation' });
		await drawer.waitFor();
		const choice = (panel: OperationPanel) =>
			drawer.locator('.v-fancy-select-option').filter({ has: page().getByText(panel.name, { exact: true }) });
		for (const panel of panels) {
			expect(await choice(panel).count(), `${panel.name} in the list`).toBe(1);
			expect((await choice(panel).locator('.description').textContent())?.trim()).toBe(panel.description);
		}
		const panel = panels[0]!;
		await choice(panel).scrollIntoViewIfNeeded();
		await screenshotDrawer(drawer, join(SCREENSHOTS, 'add-operation.png'), false);
		await choice(panel).click();
		await drawer.locator('.v-form.extension-options').waitFor();
		await drawer.getByRole('button', { name: 'Done' }).click();
		await card(panel).waitFor();
		await page().getByRole('button', { name: 'Save' }).click();
		await page().getByRole('button', { name: 'Edit Flow' }).waitFor();

		const operations = await pair.source.api<{ id: string; type: string; options: Record<string, unknown> }[]>(
			'GET',
			`/operations?filter[flow][_eq]=${flow.id}`,
		);
		expect(operations.map((operation) => operation.type)).toEqual([panel.id]);
		const saved = await pair.source.api<{ operation: string }>('GET', `/flows/${flow.id}`);
		expect(saved.operation, 'the new operation runs on the trigger').toBe(operations[0]!.id);
		const defaults = Object.fromEntries(
			visibleFields(panel)
				.filter((field) => defaultOf(field) !== undefined)
				.map((field) => [field.field, defaultOf(field)]),
		);
		expect(operations[0]!.options).toMatchObject(defaults);
		expect(await overviewOf(card(panel))).toEqual(expectedOverview(panel, operations[0]!.options));
	});

	/** The whole drawer, however long its form: the viewport grows to fit it for the shot. */
	async function screenshotDrawer(drawer: Locator, path: string, fitContent = true): Promise<void> {
		const viewport = page().viewportSize()!;
		if (fitContent) {
			const height = await drawer.evaluate((element) => {
				const main = element.querySelector('main');
				const header = element.querySelector('header');
				return (main?.scrollHeight ?? 0) + (header?.getBoundingClientRect().height ?? 0) + 40;
			});
			await page().setViewportSize({ width: viewport.width, height: Math.min(Math.max(height, viewport.height), 4000) });
		}
		try {
			// Settled, so that the picture changes only with the app: web fonts loaded, no focus ring and no
			// hover (the input borders fade between the two), the drawer's slide-in and transitions over.
			await page().evaluate(() => document.fonts.ready.then(() => undefined));
			await page().mouse.move(0, 0);
			await page().evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
			await page().waitForTimeout(600);
			await drawer.evaluate((element) => Promise.all(element.getAnimations({ subtree: true }).map((animation) => animation.finished)).then(() => undefined));
			await drawer.screenshot({ path, animations: 'disabled' });
		} finally {
			await page().setViewportSize(viewport);
		}
	}
});
