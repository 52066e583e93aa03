import { describe, expect, it } from 'vitest';
import { detectQuote } from '../../src/worker/import-csv/sources/detect-quote.js';

describe('detectQuote', () => {
  it("takes ' for a file whose fields are wrapped in '", () => {
    expect(detectQuote("'a'|'b'|'c'\n'1'|'2'|'3'\n")).toBe("'");
    expect(detectQuote("id,name\n1,'Smith, Ann'\n2,'O''Brien'\n")).toBe("'");
    expect(detectQuote("'a';'b'\r\n'1';'2'\r\n")).toBe("'");
  });

  it('takes " as soon as one field is wrapped in "', () => {
    expect(detectQuote("'a'|'b'\n'1'|\"2\"\n")).toBe('"');
  });

  it("keeps \" for apostrophes inside text, which wrap no field", () => {
    expect(detectQuote("name,note\nO'Brien,it's fine\nAnn,'90s music\n")).toBe('"');
    expect(detectQuote('a,b\n1,2\n')).toBe('"');
    expect(detectQuote('')).toBe('"');
  });

  it("keeps \" when '-wrapped fields are on fewer than half the lines", () => {
    expect(detectQuote("expr,n\n'abc',1\nx,2\ny,3\nz,4\n")).toBe('"');
  });

  it('counts field boundaries of the named delimiter only', () => {
    const text = "a b,'c d'\n1 2,'3 4'\n";
    expect(detectQuote(text, ',')).toBe("'");
    expect(detectQuote(text, ';')).toBe('"');
  });

  it('answers in linear time on a long line of unclosed quotes', () => {
    const started = performance.now();
    detectQuote(`,'${"a,'".repeat(30_000)}\n`.repeat(2));
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
