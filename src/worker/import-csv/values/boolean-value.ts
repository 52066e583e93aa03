import type { ColumnFormat } from '../../../shared/contract.js';
import { ImportError } from '../../../shared/errors.js';
import type { ValueParser } from './value-parser.js';

/** Frictionless's defaults; compared without case, so `TRUE` and `False` count too. */
const TRUE_VALUES = ['true', '1'];
const FALSE_VALUES = ['false', '0'];

/** A boolean column: its words for true and false (declared, or the defaults), compared without case. */
export function booleanParser(name: string, format: ColumnFormat): ValueParser {
  const trueValues = format.trueValues ?? TRUE_VALUES;
  const falseValues = format.falseValues ?? FALSE_VALUES;
  const words = new Map<string, string>();
  for (const [list, stored] of [[trueValues, 'true'], [falseValues, 'false']] as const) {
    for (const word of list) {
      const key = word.toLowerCase();
      if (words.has(key) && words.get(key) !== stored) {
        throw new ImportError('INVALID_OPTIONS', `column "${name}": "${word}" is among both trueValues and falseValues`);
      }
      words.set(key, stored);
    }
  }
  const shown = [...trueValues, ...falseValues].map((w) => `"${w}"`).join(', ');
  return {
    type: 'boolean',
    format: format.trueValues || format.falseValues ? { trueValues, falseValues } : undefined,
    expected: `true or false (one of ${shown}, in any case)`,
    parse: (value) => words.get(value.toLowerCase()),
  };
}
