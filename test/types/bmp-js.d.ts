// bmp-js ships no types; the tests only encode.
declare module 'bmp-js' {
  export function encode(image: { data: Buffer; width: number; height: number }): { data: Buffer };
}
