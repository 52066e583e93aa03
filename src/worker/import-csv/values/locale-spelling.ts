/**
 * What a locale (`csv.locale`) says about how its users write numbers and dates, from the ICU data
 * Node carries (Intl), not a table of our own: the decimal and group characters of
 * `1234567.5`, and the order and separator of day, month and year in a short date.
 */

export interface LocaleSpelling {
  decimalChar: string;
  groupChar: string;
  /** The short date's order, e.g. `D.M.YYYY` (de), `M/D/YYYY` (en-US), `YYYY-M-D` (sv). */
  datePattern: string;
  dayFirst: boolean;
}

const cache = new Map<string, LocaleSpelling>();

export function localeSpelling(locale: string): LocaleSpelling {
  let spelling = cache.get(locale);
  if (!spelling) {
    spelling = readLocale(locale);
    cache.set(locale, spelling);
  }
  return spelling;
}

function readLocale(locale: string): LocaleSpelling {
  const number = new Intl.NumberFormat(locale, { useGrouping: true }).formatToParts(1234567.5);
  const decimalChar = number.find((p) => p.type === 'decimal')?.value ?? '.';
  const groupChar = number.find((p) => p.type === 'group')?.value ?? ',';
  const date = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'numeric', day: 'numeric', calendar: 'gregory', numberingSystem: 'latn', timeZone: 'UTC' })
    .formatToParts(new Date(Date.UTC(2024, 10, 23)));
  const order = date.filter((p) => p.type === 'day' || p.type === 'month' || p.type === 'year').map((p) => p.type);
  const separator = date.find((p) => p.type === 'literal')?.value.trim().charAt(0) || '/';
  const token = { day: 'D', month: 'M', year: 'YYYY' } as Record<string, string>;
  return {
    decimalChar,
    groupChar,
    datePattern: order.map((t) => token[t]).join(separator),
    dayFirst: order.indexOf('day') < order.indexOf('month'),
  };
}
