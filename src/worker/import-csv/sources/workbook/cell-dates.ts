import type { DateKind } from './date-formats.js';

const DAY_MS = 86_400_000;
/** 1899-12-30: serial 0 of the 1900 system for every date from 1900-03-01 on. */
const EPOCH_1900 = Date.UTC(1899, 11, 30);
const EPOCH_1904 = Date.UTC(1904, 0, 1);

/**
 * A date-formatted cell's serial number as ISO 8601: `YYYY-MM-DD` for a whole day in a date
 * format, `HH:MM:SS` for a fraction of a day in a time format, else a datetime; milliseconds
 * only when the cell has them. A date format on a serial with a time of day still shows the
 * time: the cell holds it. The 1900 system counts a 29 February 1900 that never was (Lotus's
 * bug, kept by Excel): serials before 60 are a day later than the arithmetic says, as in Excel,
 * and serial 60 itself is no date. Undefined for such a serial and beyond the year 9999.
 */
export function serialToIso(serial: number, kind: DateKind, date1904: boolean): string | undefined {
  let days = Math.floor(serial);
  let ms = Math.round((serial - days) * DAY_MS);
  if (ms === DAY_MS) {
    days++;
    ms = 0;
  }
  if (kind === 'time' && days === 0) return timeOfDay(ms);
  if (!date1904 && days === 60) return undefined;
  const epoch = date1904 ? EPOCH_1904 : days < 60 ? EPOCH_1900 + DAY_MS : EPOCH_1900;
  const at = new Date(epoch + days * DAY_MS + ms);
  const year = at.getUTCFullYear();
  if (!Number.isFinite(at.getTime()) || year < 0 || year > 9999) return undefined;
  const date = `${pad(year, 4)}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;
  return kind === 'date' && ms === 0 ? date : `${date}T${timeOfDay(ms)}`;
}

function timeOfDay(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hms = `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
  return ms % 1000 ? `${hms}.${pad(ms % 1000, 3)}` : hms;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
