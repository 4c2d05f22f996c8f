// Each migration guide shows its "after" app as it is: every code block titled `after/<path>`
// equals that file of docs/migrating/after, and every file of the guide's folder is shown, so
// the guide cannot drift from the code the other tests type-check and run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AFTER, filesUnder, GUIDE_NAMES, GUIDES, ROOT } from './support.js';

/** The code blocks of a page whose fence names a file: ```ts title="after/x/server.ts". */
function titledBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const [, title, body] of markdown.matchAll(/^```\w+ title="([^"]+)"\n([\s\S]*?)^```$/gm)) {
    if (blocks.has(title!)) throw new Error(`${title} is shown twice`);
    blocks.set(title!, body!);
  }
  return blocks;
}

describe.each(GUIDE_NAMES)('docs/migrating/%s.md', (guide) => {
  const page = readFileSync(join(GUIDES, `${guide}.md`), 'utf8');
  const blocks = titledBlocks(page);
  const shown = [...blocks.keys()].filter((title) => title.startsWith('after/'));

  it('shows every file of its "after" app', () => {
    const files = filesUnder(join(AFTER, guide)).map((file) => `after/${guide}/${file}`);
    expect(shown.sort()).toEqual(files);
  });

  it.each(shown)('the block %s is that file, character for character', (title) => {
    expect(blocks.get(title)).toBe(readFileSync(join(GUIDES, title), 'utf8'));
  });

  it('links only to files that exist', () => {
    for (const [, target] of page.matchAll(/\]\(((?!https?:|#)[^)#\s]+)/g)) {
      expect(existsSync(join(GUIDES, target!)), target).toBe(true);
    }
  });
});

describe('docs/migrating/README.md', () => {
  it('lists every guide, and the README links to it', () => {
    const index = readFileSync(join(GUIDES, 'README.md'), 'utf8');
    for (const guide of GUIDE_NAMES) expect(index).toContain(`](${guide}.md)`);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('](docs/migrating/README.md)');
  });
});
