import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring for the import's processes; the first import of
 * their entry points, so it runs before any row is read. An import's objects die young, a row's
 * cells within a chunk. Without the flag V8 could decide, early in a run and depending on timing,
 * to allocate some of them straight into the old generation, where each dead one kept the cells
 * it pointed to alive through every young collection until a full one: on bench:memory's 100 MB
 * file about half the runs promoted ~290 MB and the worker peaked at ~230 MB RSS, against ~25 MB
 * and ~140 MB in the others. With the flag, 9 runs of 9 promoted ~25 MB and peaked at 139–147 MB
 * (docs/PERFORMANCE.md, "Peak RSS").
 */
setFlagsFromString('--no-allocation-site-pretenuring');
