import { defineMigrationOperation } from '../../lib/operation.js';
import { runVerify } from '../../lib/verify/run.js';
import { verifyOptions } from './options.js';

/** Compares source and destination for a scope; resolves in sync, rejects OUT_OF_SYNC with the differences. */
export default defineMigrationOperation('migration-verify', verifyOptions, (options, context, { secrets, run }) => runVerify(options, context, secrets, run));
