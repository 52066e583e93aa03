import { ImportError } from '../../../shared/errors.js';
import { compileDatePattern, isoDate, isoTime, type DatePattern } from './date-pattern.js';
import { parseIsoDate, parseIsoDateTime, parseIsoTime } from './iso-date-time.js';
import { localeSpelling } from './locale-spelling.js';
import type { ValueParser } from './value-parser.js';

type Kind = 'date' | 'datetime' | 'time';

const NEEDS: Record<Kind, string[][]> = {
  date: [['year', 'year2'], ['month'], ['day']],
  datetime: [['year', 'year2'], ['month'], ['day'], ['hour'], ['minute']],
  time: [['hour'], ['minute']],
};
const NEEDS_WORDS: Record<Kind, string> = { date: 'year, month and day', datetime: 'year, month, day, hour and minute', time: 'hour and minute' };
const ALLOWED: Record<Kind, string[]> = {
  date: ['year', 'year2', 'month', 'day'],
  datetime: ['year', 'year2', 'month', 'day', 'hour', 'minute', 'second'],
  time: ['hour', 'minute', 'second'],
};
const ISO: Record<Kind, (value: string) => string | undefined> = { date: parseIsoDate, datetime: parseIsoDateTime, time: parseIsoTime };
const ISO_WORDS: Record<Kind, string> = {
  date: 'YYYY-MM-DD',
  datetime: 'ISO 8601 (YYYY-MM-DDTHH:mm:ss, an offset optional)',
  time: 'HH:mm or HH:mm:ss',
};
const KIND_WORDS: Record<Kind, string> = { date: 'a date', datetime: 'a date and time', time: 'a time' };

/**
 * A date, datetime or time column: its pattern, else the locale's short date (D.M.YYYY for de,
 * M/D/YYYY for en-US) beside ISO 8601, else ISO 8601 alone. Stored as ISO: `"YYYY-MM-DD"`,
 * `"YYYY-MM-DDTHH:MM:SS"` (an offset only when the file gave one), `"HH:MM:SS"`.
 */
export function dateTimeParser(name: string, kind: Kind, pattern: string | undefined, locale: string | undefined): ValueParser {
  if (pattern !== undefined) {
    const compiled = checkedPattern(name, kind, pattern);
    return {
      type: kind,
      format: { pattern },
      expected: `${KIND_WORDS[kind]} as ${pattern}`,
      parse: (value) => {
        const parts = compiled.parse(value);
        return parts && `"${storedText(kind, parts)}"`;
      },
    };
  }
  const iso = ISO[kind];
  if (!locale || kind === 'time') {
    return { type: kind, format: undefined, expected: `${KIND_WORDS[kind]} as ${ISO_WORDS[kind]}`, parse: (value) => quoted(iso(value)) };
  }
  const localePattern = kind === 'date' ? localeSpelling(locale).datePattern : `${localeSpelling(locale).datePattern} H:mm`;
  const withMinutes = compileDatePattern(localePattern);
  const withSeconds = kind === 'datetime' ? compileDatePattern(`${localePattern}:ss`) : undefined;
  return {
    type: kind,
    format: { pattern: localePattern },
    expected: `${KIND_WORDS[kind]} as ${localePattern}${withSeconds ? '[:ss]' : ''} or ${ISO_WORDS[kind]}`,
    parse: (value) => {
      const parts = withMinutes.parse(value) ?? withSeconds?.parse(value);
      return parts ? `"${storedText(kind, parts)}"` : quoted(iso(value));
    },
  };
}

function checkedPattern(name: string, kind: Kind, pattern: string): DatePattern {
  const compiled = compileDatePattern(pattern);
  const missing = NEEDS[kind].some((any) => !any.some((f) => compiled.fields.has(f as never)));
  const extra = [...compiled.fields].some((f) => !ALLOWED[kind].includes(f));
  if (missing || extra) {
    throw new ImportError(
      'INVALID_OPTIONS',
      `column "${name}": the pattern "${pattern}" does not fit a ${kind} column; it needs ${NEEDS_WORDS[kind]}` +
        `${kind === 'time' ? '' : ' (tokens YYYY or YY, MM or M, DD or D'}${kind === 'datetime' ? ', HH or H, mm, optionally ss)' : kind === 'date' ? ')' : ' (tokens HH or H, mm, optionally ss)'}`,
    );
  }
  return compiled;
}

function storedText(kind: Kind, parts: Parameters<typeof isoDate>[0]): string {
  if (kind === 'date') return isoDate(parts);
  if (kind === 'time') return isoTime(parts);
  return `${isoDate(parts)}T${isoTime(parts)}`;
}

const quoted = (text: string | undefined) => (text === undefined ? undefined : `"${text}"`);
