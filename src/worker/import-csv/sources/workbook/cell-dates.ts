import type { DateKind } from './date-formats.js';

const DAY_MS = 86_400_000;
/** 1899-12-30, in days since 1970-01-01: serial 0 of the 1900 system for every date from 1900-03-01 on. */
const EPOCH_1900 = -25_569;
/** 1904-01-01, in days since 1970-01-01. */
const EPOCH_1904 = -24_107;

/**
 * A date-formatted cell's serial number as ISO 8601: `YYYY-MM-DD` for a whole day in a date
 * format, `HH:MM:SS` for a fraction of a day in a time format, else a datetime; milliseconds
 * only when the cell has them. A date format on a serial with a time of day still shows the
 * time: the cell holds it. The 1900 system counts a 29 February 1900 that never was (Lotus's
 * bug, kept by Excel): serials before 60 are a day later than the arithmetic says, as in Excel,
 * and serial 60 itself is no date. Undefined for such a serial and beyond the year 9999.
 */
export function serialToIso(serial: number, kind: DateKind, date1904: boolean): string | undefined {
  if (!Number.isFinite(serial)) return undefined;
  let days = Math.floor(serial);
  let ms = Math.round((serial - days) * DAY_MS);
  if (ms === DAY_MS) {
    days++;
    ms = 0;
  }
  if (kind === 'time' && days === 0) return timeOfDay(ms);
  if (!date1904 && days === 60) return undefined;
  const date = cachedCivilDate((date1904 ? EPOCH_1904 : days < 60 ? EPOCH_1900 + 1 : EPOCH_1900) + days);
  if (date === undefined) return undefined;
  return kind === 'date' && ms === 0 ? date : `${date}T${timeOfDay(ms)}`;
}

/** Recently rendered days, by the day's low bits: a column of dates mostly repeats a few thousand days, and a hit builds no string. */
const CACHED_DAYS = 4096;
const cachedDays = new Float64Array(CACHED_DAYS).fill(Number.NaN);
const cachedDates: (string | undefined)[] = new Array<string | undefined>(CACHED_DAYS).fill(undefined);

function cachedCivilDate(epochDays: number): string | undefined {
  const slot = epochDays & (CACHED_DAYS - 1);
  if (cachedDays[slot] === epochDays) return cachedDates[slot];
  const date = civilDate(epochDays);
  cachedDays[slot] = epochDays;
  cachedDates[slot] = date;
  return date;
}

/**
 * Days since 1970-01-01 as `YYYY-MM-DD` in the proleptic Gregorian calendar, by Howard Hinnant's
 * civil_from_days: no Date object or number printing per cell. Undefined outside years 0 to 9999.
 */
function civilDate(epochDays: number): string | undefined {
  const z = epochDays + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return undefined;
  return `${TWO_DIGITS[Math.floor(year / 100)]}${TWO_DIGITS[year % 100]}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`;
}

function timeOfDay(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hms = `${TWO_DIGITS[Math.floor(s / 3600)]}:${TWO_DIGITS[Math.floor(s / 60) % 60]}:${TWO_DIGITS[s % 60]}`;
  const fraction = ms % 1000;
  return fraction ? `${hms}.${TWO_DIGITS[Math.floor(fraction / 10)]}${fraction % 10}` : hms;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
