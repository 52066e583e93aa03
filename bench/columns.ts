import { pick } from './prng.js';

/**
 * The kinds of column the bench CSV holds, in the order the first N columns use them: the first
 * four carry the awkward cases (leading zeros, non-ASCII, quoted commas, embedded newlines,
 * backslashes, a literal `\N`, JSON arrays), so even a tiny smoke file exercises them.
 */
export interface ColumnKind {
  name: string;
  key: string;
  json: boolean;
  /** `--types`: the type the plan declares for the column (DESIGN §5.8); string or json without it. */
  type?: 'number' | 'date' | 'email';
  value(rng: () => number, row: number): string;
}

const FIRST = ['Ana', 'José', 'Zoë', 'Łukasz', 'Søren', 'Иван', '李', 'Ngozi', 'Aoife', 'Chloé', 'Björn', 'Priya', 'Kenji', 'Mohammed'];
const LAST = ["O'Brien", 'Müller', 'García', 'Nowak', 'Smith', '山田', 'Dubois', 'Петров', 'Okafor', 'Núñez', 'Kowalski', 'Jensen'];
const ASCII = ['ana', 'jose', 'zoe', 'lukasz', 'soren', 'ivan', 'li', 'ngozi', 'aoife', 'chloe', 'bjorn', 'priya'];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net'];
const PHRASES = ['Called back about renewal', 'Asked for an invoice copy', 'No answer', 'Wants the annual plan', 'Moved to new office'];
const TAGS = ['vip', 'newsletter', 'b2b', 'late-payer', 'naïve', 'say "hi"', 'back\\slash', 'a,b', '日本'];
const COMPANIES = ['Acme, Inc.', 'Smith & Sons', 'Müller GmbH', 'Globex Corporation', '"Best" Widgets Ltd', 'Initech', 'Umbrella, Corp.', 'Ñandú S.A.'];
const CITIES = ['São Paulo', 'Zürich', 'Kraków', '東京', 'Reykjavík', 'New York', 'Montréal', 'Ålesund', 'İstanbul', 'Łódź'];

function notes(rng: () => number): string {
  const r = rng();
  const phrase = pick(rng, PHRASES);
  if (r < 0.35) return phrase;
  if (r < 0.5) return `${phrase}, prefers email, not phone`;
  if (r < 0.6) return `${phrase}\nsecond line\r\nthird line`;
  if (r < 0.68) return `Said "call me later" about ${phrase.toLowerCase()}`;
  if (r < 0.75) return `Uploaded C:\\Users\\${pick(rng, ASCII)}\\report.pdf`;
  // A whole value of `\N` is what COPY text reads as NULL when it is not escaped.
  if (r < 0.8) return '\\N';
  if (r < 0.85) return `tab\there`;
  if (r < 0.9) return `Très bien 👍 – naïve café`;
  return '';
}

function tags(rng: () => number): string {
  // Some empty cells: an empty cell stays "" even in a json column (DESIGN §4).
  if (rng() < 0.05) return '';
  const items: unknown[] = [];
  const n = Math.floor(rng() * 4);
  for (let i = 0; i < n; i++) items.push(pick(rng, TAGS));
  if (rng() < 0.2) items.push({ score: Math.floor(rng() * 100), ok: rng() < 0.5 });
  if (rng() < 0.1) items.push(Math.round(rng() * 1e6) / 100);
  return JSON.stringify(items);
}

function amount(rng: () => number): string {
  // Strings that look numeric must survive as written (no coercion): leading zeros, signs.
  if (rng() < 0.1) return String(Math.floor(rng() * 1000)).padStart(5, '0');
  return (rng() * 100_000 - 5_000).toFixed(2);
}

const KINDS: ColumnKind[] = [
  { name: 'Customer ID', key: 'customer_id', json: false, value: (rng, row) => String(row * 37 + Math.floor(rng() * 37)).padStart(9, '0') },
  { name: 'Full Name', key: 'full_name', json: false, value: (rng) => `${pick(rng, FIRST)} ${pick(rng, LAST)}` },
  { name: 'Notes', key: 'notes', json: false, value: notes },
  { name: 'Tags', key: 'tags', json: true, value: tags },
  { name: 'E-mail', key: 'e_mail', json: false, value: (rng, row) => `${pick(rng, ASCII)}.${pick(rng, ASCII)}${row % 1000}@${pick(rng, DOMAINS)}` },
  { name: 'Company', key: 'company', json: false, value: (rng) => pick(rng, COMPANIES) },
  { name: 'Phone', key: 'phone', json: false, value: (rng) => `+44 20 7946 ${String(Math.floor(rng() * 10_000)).padStart(4, '0')}` },
  { name: 'Amount', key: 'amount', json: false, value: amount },
  { name: 'City', key: 'city', json: false, value: (rng) => pick(rng, CITIES) },
  { name: 'Created At', key: 'created_at', json: false, value: (rng) => new Date(1.6e12 + Math.floor(rng() * 1e11)).toISOString() },
];

/**
 * `--types`: the amounts as plain decimals (no leading zeros, which a number column does not
 * keep), a date column in place of the timestamps, and the e-mail column declared: a number, a
 * date and an email column of the same file's shape.
 */
const TYPED_KINDS: ColumnKind[] = KINDS.map((kind) => {
  if (kind.key === 'amount') return { ...kind, type: 'number', value: (rng) => (rng() * 100_000).toFixed(2) };
  if (kind.key === 'created_at') {
    return { name: 'Created On', key: 'created_on', json: false, type: 'date', value: (rng) => new Date(1.6e12 + Math.floor(rng() * 1e11)).toISOString().slice(0, 10) };
  }
  return kind.key === 'e_mail' ? { ...kind, type: 'email' } : kind;
});

/** Column i (0-based): past the tenth, the kinds repeat as "Notes 2" / notes_2 and so on. */
export function column(i: number, typed = false): { name: string; key: string; kind: ColumnKind } {
  const kinds = typed ? TYPED_KINDS : KINDS;
  const kind = kinds[i % kinds.length]!;
  const round = Math.floor(i / kinds.length);
  return round === 0
    ? { name: kind.name, key: kind.key, kind }
    : { name: `${kind.name} ${round + 1}`, key: `${kind.key}_${round + 1}`, kind };
}
