import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { withoutOutsideLinks } from '../../src/api/dashboard-ui.js';

const installed = readFileSync(createRequire(import.meta.url).resolve('@bull-board/ui/dist/index.ejs'), 'utf8');

describe("the Bull Board page template, made to load nothing from another origin", () => {
  it("drops the installed template's font stylesheet and keeps its own assets", () => {
    expect(installed).toMatch(/href="https:\/\/fonts\.googleapis\.com/);
    const cleaned = withoutOutsideLinks(installed);
    expect(cleaned).not.toMatch(/https?:\/\//);
    expect(cleaned).toMatch(/<link href="static\/css\/main\.[^"]+\.css" rel="stylesheet">/);
    expect(cleaned.match(/<script defer src="static\//g)?.length).toBe(installed.match(/<script defer src="static\//g)?.length);
  });

  it('drops protocol-relative links too', () => {
    expect(withoutOutsideLinks('<head><link rel="preconnect" href="//cdn.example"></head>')).toBe('<head></head>');
  });

  it('refuses a template that would load something it cannot remove', () => {
    expect(() => withoutOutsideLinks('<script src="https://cdn.example/x.js"></script>')).toThrow(/another origin/);
    expect(() => withoutOutsideLinks("<img src='//cdn.example/x.png'>")).toThrow(/another origin/);
  });
});
