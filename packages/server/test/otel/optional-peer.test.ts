import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

test('@opentelemetry/api is an optional peer: only src/otel/ imports it, so an app without it loads the rest', () => {
  const importers = sourceFiles(SRC)
    .filter((file) => /from '@opentelemetry\//.test(readFileSync(file, 'utf8')))
    .map((file) => relative(SRC, file));
  expect(importers.length).toBeGreaterThan(0);
  expect(importers.filter((file) => !file.startsWith('otel/'))).toEqual([]);
});
