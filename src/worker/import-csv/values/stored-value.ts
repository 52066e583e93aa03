import type { ColumnType } from '../../../shared/contract.js';
import { decimalKey } from './decimal-order.js';
import type { ValueParser } from './value-parser.js';

/**
 * A cell as the preview shows it: what jsonb holds, as a JavaScript value. A number a double
 * cannot hold exactly (20 digits, past 2^53) is shown as its exact decimal text rather than
 * rounded: the preview must not show a value the list does not hold.
 */
export function storedValue(type: ColumnType, parser: ValueParser | undefined, value: string): unknown {
  if (type === 'json') return value === '' ? '' : JSON.parse(value);
  if (!parser) return value;
  if (value === '') return null;
  const json = parser.parse(value);
  if (json === undefined) return value;
  if (type === 'email' || type === 'url' || type === 'uuid') return value;
  const parsed: unknown = JSON.parse(json);
  return typeof parsed === 'number' && !exactDouble(parsed, json) ? json : parsed;
}

const exactDouble = (n: number, json: string) => decimalKey(String(n)) === decimalKey(json);
