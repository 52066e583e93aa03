/**
 * A column key as DESIGN §5 has them: lowercase snake_case words of letters, digits and the
 * marks inside them, in any script, NFC (`column_N` and the `_2` of a repeated key fit it too).
 * Nothing else: no quote, backslash, space, control or format character.
 */
const SLUG = /^[\p{L}\p{N}][\p{L}\p{N}\p{M}\u200c\u200d]*(?:_[\p{L}\p{N}][\p{L}\p{N}\p{M}\u200c\u200d]*)*$/u;

export const isKeySlug = (key: string): boolean => SLUG.test(key) && key === key.toLowerCase() && key === key.normalize('NFC');
