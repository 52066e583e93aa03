/** One sample of a Prometheus text-format scrape. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  samples: Sample[];
  /** Metric family name → its `# TYPE`. */
  types: Map<string, string>;
  /** The value of the one sample with this name and these labels (among others); undefined when none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

/**
 * Parses the Prometheus text exposition format (version 0.0.4) strictly: a line that is neither
 * a comment nor a well-formed sample, a second `# TYPE` for one family (what merging two
 * exporters' text wrongly would give) or a sample of a family whose TYPE came after it throws.
 */
export function parsePrometheusText(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const seen = new Set<string>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      if (types.has(type[1]!)) throw new Error(`line ${i + 1}: a second TYPE for ${type[1]}`);
      if (seen.has(type[1]!)) throw new Error(`line ${i + 1}: TYPE for ${type[1]} after its samples`);
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('# TYPE')) throw new Error(`line ${i + 1}: malformed TYPE: ${line}`);
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`line ${i + 1}: not a sample: ${line}`);
    const value = parseValue(match[3]!);
    if (value === undefined) throw new Error(`line ${i + 1}: bad value ${match[3]}`);
    samples.push({ name: match[1]!, labels: parseLabels(match[2] ?? '', i + 1), value });
    seen.add(familyOf(match[1]!, types));
  }
  return {
    samples,
    types,
    value(name, labels = {}) {
      const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
      return found[0]?.value;
    },
  };
}

/** Go's ParseFloat, which Prometheus uses, takes NaN and Inf in any case (prom-client writes `Nan`). */
function parseValue(text: string): number | undefined {
  if (/^nan$/i.test(text)) return NaN;
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? undefined : value;
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw new Error(`line ${line}: malformed labels: {${text}}`);
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** A histogram's `_bucket`, `_sum` and `_count` samples belong to the family without the suffix. */
function familyOf(name: string, types: Map<string, string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && types.get(base) === 'histogram' ? base : name;
}
