import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { flowBoolean, flowInteger, flowJsonObject, flowKeyList, flowStringList } from '../../src/lib/options/flow-values.js';
import { parseOptions } from '../../src/lib/options/parse.js';

describe('options rendered from a Flow', () => {
	it('accepts booleans as values or as the strings a template renders', () => {
		const schema = flowBoolean(true);
		expect(schema.parse(false)).toBe(false);
		expect(schema.parse('false')).toBe(false);
		expect(schema.parse('TRUE')).toBe(true);
		expect(schema.parse('0')).toBe(false);
		expect(schema.parse(undefined)).toBe(true);
		expect(schema.parse('')).toBe(true);
		expect(schema.safeParse('maybe').success).toBe(false);
	});

	it('accepts whole numbers as numbers or numeric strings, within bounds', () => {
		const schema = flowInteger({ min: 1, max: 1000, fallback: 100 });
		expect(schema.parse('50')).toBe(50);
		expect(schema.parse(7)).toBe(7);
		expect(schema.parse(null)).toBe(100);
		expect(schema.safeParse(0).success).toBe(false);
		expect(schema.safeParse('1000000').success).toBe(false);
		expect(schema.safeParse('1.5').success).toBe(false);
	});

	it('accepts lists as arrays, JSON text or comma-separated text', () => {
		const schema = flowStringList();
		expect(schema.parse(['a', 'b'])).toEqual(['a', 'b']);
		expect(schema.parse('["a","b"]')).toEqual(['a', 'b']);
		expect(schema.parse('a, b ,')).toEqual(['a', 'b']);
		expect(schema.parse('')).toEqual([]);
		expect(schema.parse(null)).toEqual([]);
		expect(schema.safeParse('[not json').success).toBe(false);
	});

	it('accepts primary keys as numbers, strings, a JSON array or one key', () => {
		const schema = flowKeyList();
		expect(schema.parse(5)).toEqual([5]);
		expect(schema.parse('[1,2]')).toEqual([1, 2]);
		expect(schema.parse(['a', 3])).toEqual(['a', 3]);
		expect(schema.parse('7d2e')).toEqual(['7d2e']);
	});

	it('accepts a JSON object as an object or as JSON text, and refuses text that is not JSON', () => {
		const schema = flowJsonObject();
		expect(schema.parse({ a: 1 })).toEqual({ a: 1 });
		expect(schema.parse('{"a":1}')).toEqual({ a: 1 });
		expect(schema.parse('')).toBeUndefined();
		expect(schema.safeParse('{a:1}').success).toBe(false);
		expect(schema.safeParse('[1]').success).toBe(false);
	});

	it('names every bad option in one INVALID_OPTIONS error', () => {
		const schema = z.object({ dryRun: flowBoolean(true), batchSize: flowInteger({ min: 1, max: 1000, fallback: 100 }) });
		let thrown: any;
		try {
			parseOptions(schema, { dryRun: 'perhaps', batchSize: 0 });
		} catch (error) {
			thrown = error;
		}
		expect(thrown.code).toBe('INVALID_OPTIONS');
		expect(thrown.message).toContain('dryRun');
		expect(thrown.message).toContain('batchSize');
		expect(thrown.details.problems).toHaveLength(2);
	});
});
