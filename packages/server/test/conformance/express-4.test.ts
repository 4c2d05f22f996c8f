import { createRequire } from 'node:module';
import { expect, test } from 'vitest';
import { startExpress4 } from './starters.js';
import { conformance } from './suite.js';

test('the Express 4 under test is Express 4', () => {
  const { version } = createRequire(import.meta.url)('express4/package.json') as {
    version: string;
  };
  expect(version).toMatch(/^4\./);
});

conformance('Express 4', startExpress4);
conformance('Express 4', startExpress4, { providers: 2, frontends: 2 });
