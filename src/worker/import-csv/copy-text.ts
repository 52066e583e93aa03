/**
 * COPY text format for `list_rows (list_id, row_number, data)`. JSON text from JSON.stringify has
 * no raw control characters, so backslash is the one character COPY would misread; raw tab, CR
 * and LF can only appear in JSON whitespace (a json cell as written) and are folded to spaces.
 */

const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f]/;

/** A JSON string literal, already escaped for COPY. */
export function copyJsonString(value: string): string {
  if (!NEEDS_JSON_ESCAPE.test(value)) return `"${value}"`;
  const json = JSON.stringify(value);
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
}

/** What goes between the quotes of `copyJsonString(value)`: usually the value itself, no copy made. */
export function copyJsonStringContent(value: string): string {
  return NEEDS_JSON_ESCAPE.test(value) ? copyJsonString(value).slice(1, -1) : value;
}

/** Valid JSON text as written in a cell, escaped for COPY. */
export function copyJsonText(json: string): string {
  const flat = /[\t\n\r]/.test(json) ? json.replace(/[\t\n\r]/g, ' ') : json;
  return flat.includes('\\') ? flat.replaceAll('\\', '\\\\') : flat;
}

/** The key part of a JSON member (`"key":`), escaped for COPY; built once per column. */
export const copyJsonKey = (key: string) => `${copyJsonString(key)}:`;
