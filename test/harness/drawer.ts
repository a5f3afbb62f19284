import type { Locator, Page } from 'playwright-core';
import { defaultOf, isMasked, type PanelField } from './bundle.ts';

/**
 * Reading and changing option fields in an operation's drawer, per interface, the way a user does
 * (typing, clicking). Interfaces not listed here are still checked for label, note and rendering;
 * only their value is not read or changed.
 */

const NUMBER_TYPES = new Set(['integer', 'bigInteger', 'float', 'decimal']);

/** The field's block in the drawer's option form. */
export function fieldIn(drawer: Locator, field: PanelField): Locator {
	return drawer.locator(`.v-form .field[data-field="${field.field}"]`);
}

/** A note as the app shows it: its markdown rendered to text. */
export function plainNote(note: string): string {
	return note
		.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
		.replace(/\*\*|__|`/g, '')
		.replace(/\s+/g, ' ')
		.trim();
}

/** The value the field shows, as the option would hold it; `undefined`: an interface we do not read. */
export async function readFieldValue(block: Locator, field: PanelField): Promise<unknown> {
	const iface = field.meta?.interface;
	if (iface === 'boolean') {
		return (await block.getByRole('checkbox').getAttribute('aria-pressed')) === 'true';
	}
	if (iface === 'input') {
		const text = await block.locator('.interface input').inputValue();
		if (NUMBER_TYPES.has(field.type ?? '')) return text === '' ? null : Number(text);
		return text;
	}
	if (iface === 'select-dropdown') {
		const shown = await block.locator('.interface input').inputValue();
		const choices: { text: string; value: unknown }[] = field.meta?.options?.['choices'] ?? [];
		return choices.find((choice) => choice.text === shown)?.value ?? shown;
	}
	if (iface === 'tags') {
		return (await block.locator('.tags .chip-content').allTextContents()).map((text) => text.trim());
	}
	return undefined;
}

/**
 * Changes the field to another valid value through the UI and returns the value the option must then
 * hold; `undefined`: left alone (a masked secret, or an interface we do not drive).
 */
export async function changeField(page: Page, block: Locator, field: PanelField, current: unknown): Promise<unknown> {
	const iface = field.meta?.interface;
	if (isMasked(field)) return undefined;
	if (iface === 'boolean') {
		const now = current ?? defaultOf(field) ?? false;
		await block.getByRole('checkbox').click();
		return !now;
	}
	if (iface === 'input' && NUMBER_TYPES.has(field.type ?? '')) {
		const now = Number(current ?? defaultOf(field) ?? 0);
		const max = field.meta?.options?.['max'] ?? Number.MAX_SAFE_INTEGER;
		const next = now + 1 <= max ? now + 1 : now - 1;
		await block.locator('.interface input').fill(String(next));
		return next;
	}
	if (iface === 'input') {
		const next = /^https?:/.test(String(current ?? '')) ? 'https://edited-destination.example.com' : `edited_${field.field}`;
		await block.locator('.interface input').fill(next);
		return next;
	}
	if (iface === 'select-dropdown') {
		const now = current ?? defaultOf(field);
		const choices: { text: string; value: unknown }[] = field.meta?.options?.['choices'] ?? [];
		const other = choices.find((choice) => choice.value !== now);
		if (!other) return undefined;
		await block.locator('.interface .v-input').click();
		await page.locator('.v-menu-content').getByText(other.text, { exact: true }).click();
		return other.value;
	}
	if (iface === 'tags') {
		const now = Array.isArray(current) ? current : ((defaultOf(field) as string[] | undefined) ?? []);
		const tag = `edited_${field.field}`;
		await block.locator('.interface input').fill(tag);
		await block.locator('.interface input').press('Enter');
		return [...now, tag];
	}
	return undefined;
}
