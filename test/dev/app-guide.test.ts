import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');
// Indentation aside: the guide shows a route at the left margin that the app nests in a function.
const normalise = (code: string) => code.split('\n').map((line) => line.trim()).join('\n').trim();

const guide = read('docs/APP-GUIDE.md');
const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const appSources = readdirSync(new URL('examples/app/src/', ROOT)).map((name) => normalise(read(`examples/app/src/${name}`)));

describe('docs/APP-GUIDE.md', () => {
  it('shows code', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
  });

  it.each(blocks.map((code) => [code.split('\n')[0]!, code]))('shows the example app\'s own code: %s', (_first, code) => {
    expect(appSources.some((source) => source.includes(normalise(code))), `not in examples/app/src:\n${code}`).toBe(true);
  });
});
