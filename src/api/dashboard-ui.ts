import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// Any absolute or protocol-relative URL in an attribute: what would make the browser leave our origin.
const EXTERNAL_URL = /\b(?:href|src)\s*=\s*["'](?:[a-z][a-z0-9+.-]*:)?\/\//i;
const EXTERNAL_LINK_TAG = /<link\b[^>]*\bhref\s*=\s*["'](?:[a-z][a-z0-9+.-]*:)?\/\/[^>]*>\s*/gi;

/**
 * bull-board's page template links a font stylesheet on a third-party host, with no option to
 * leave it out (DESIGN §8: the board loads nothing from outside our origin). bull-board reads its
 * UI from `uiBasePath`, so this makes a copy of the UI whose template has no such link: the
 * patched `dist/index.ejs` in a temp directory, beside a link to the package's own `dist/static`
 * (3 MB nobody needs to copy). Patching the template once at startup, rather than rewriting each
 * HTML answer, works for every route that renders it, and a template this cannot clean (a
 * bull-board upgrade that loads another outside resource) stops the api at startup instead of
 * leaking in production. Returns the directory to pass as `uiBasePath`.
 */
export function ownOriginUi(): string {
  const original = dirname(createRequire(import.meta.url).resolve('@bull-board/ui/package.json'));
  const template = withoutOutsideLinks(readFileSync(join(original, 'dist', 'index.ejs'), 'utf8'));
  const copy = mkdtempSync(join(tmpdir(), 'csv-import-bull-board-'));
  mkdirSync(join(copy, 'dist'));
  writeFileSync(join(copy, 'dist', 'index.ejs'), template);
  symlinkSync(join(original, 'dist', 'static'), join(copy, 'dist', 'static'), 'dir');
  // A directory of its own per process (mkdtemp): a fixed path in a shared temp directory could be
  // made first by another user, and bull-board runs the template it finds there. Gone at exit.
  process.once('exit', () => rmSync(copy, { recursive: true, force: true }));
  return copy;
}

/** The template without its `<link>`s to other origins; throws if anything else would still leave. */
export function withoutOutsideLinks(template: string): string {
  const cleaned = template.replace(EXTERNAL_LINK_TAG, '');
  if (EXTERNAL_URL.test(cleaned)) {
    throw new Error('the Bull Board page template loads a resource from another origin that could not be removed');
  }
  return cleaned;
}
