/**
 * Build configuration read by `directus-extension build`. One rollup plugin: it drops the notices
 * about comments in dependencies that rollup cannot read as annotations (zod's), which it removes
 * anyway; every other warning still prints.
 */
export default {
	plugins: [
		{
			name: 'quiet-dependency-annotations',
			onLog(_level, log) {
				if (log.code === 'INVALID_ANNOTATION' && /node_modules/.test(log.id ?? '')) return false;
			},
		},
	],
};
