/**
 * Loaded with `--import` before a process's entry: its clock (Date.now, new Date()) runs
 * TEST_CLOCK_SKEW_MS milliseconds off the machine's, as another host's clock may. Timers and
 * `performance.now()` are untouched: only the wall clock a host stamps documents with differs.
 */
const skewMs = Number(process.env.TEST_CLOCK_SKEW_MS ?? '0');
if (!Number.isFinite(skewMs)) throw new Error(`TEST_CLOCK_SKEW_MS must be a number of milliseconds, not "${process.env.TEST_CLOCK_SKEW_MS}"`);

const SystemDate = Date;

class SkewedDate extends SystemDate {
  constructor(...args: ConstructorParameters<DateConstructor> | []) {
    if (args.length === 0) super(SystemDate.now() + skewMs);
    else super(...(args as ConstructorParameters<DateConstructor>));
  }

  static override now(): number {
    return SystemDate.now() + skewMs;
  }
}

globalThis.Date = SkewedDate as DateConstructor;

export {};
