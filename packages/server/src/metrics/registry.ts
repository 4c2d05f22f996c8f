/**
 * A minimal Prometheus registry: counters, histograms and gauges with labels, rendered in the
 * text exposition format 0.0.4. No dependency: Gatehouse exports a handful of series, which
 * does not justify a client library.
 */

type Labels = Readonly<Record<string, string>>;

/** The `Content-Type` of the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Metric {
  render(): Promise<string> | string;
}

/** A family of counters that only go up, one per set of label values. */
export class Counter implements Metric {
  readonly #values = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
    /** Series rendered (at 0) before anything is counted, so rates start from a known point. */
    initial: readonly Labels[] = [{}],
  ) {
    for (const labels of initial) this.#values.set(labelText(labels), 0);
  }

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  render(): string {
    let text = header(this.name, this.help, 'counter');
    for (const [labels, value] of this.#values) text += `${this.name}${labels} ${number(value)}\n`;
    return text;
  }
}

/** A family of histograms with fixed buckets (upper bounds, in the observed unit). */
export class Histogram implements Metric {
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    for (let i = 0; i < this.buckets.length; i++)
      if (value <= this.buckets[i]!) series.counts[i]!++;
    series.sum += value;
    series.count++;
  }

  render(): string {
    let text = header(this.name, this.help, 'histogram');
    for (const [labels, series] of this.#series) {
      const inner = labels.slice(1, -1);
      const withLe = (le: string) => `{${inner ? inner + ',' : ''}le="${le}"}`;
      this.buckets.forEach((bound, i) => {
        text += `${this.name}_bucket${withLe(number(bound))} ${series.counts[i]}\n`;
      });
      text += `${this.name}_bucket${withLe('+Inf')} ${series.count}\n`;
      text += `${this.name}_sum${labels} ${number(series.sum)}\n`;
      text += `${this.name}_count${labels} ${series.count}\n`;
    }
    return text;
  }
}

/** A gauge read at scrape time; a collector that fails or answers undefined renders no sample. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly collect: () => Promise<number | undefined>,
  ) {}

  async render(): Promise<string> {
    const value = await this.collect().catch(() => undefined);
    const text = header(this.name, this.help, 'gauge');
    return value === undefined ? text : `${text}${this.name} ${number(value)}\n`;
  }
}

/** Metrics rendered together, in registration order. */
export class Registry {
  readonly #metrics: Metric[] = [];

  register<T extends Metric>(metric: T): T {
    this.#metrics.push(metric);
    return metric;
  }

  async render(): Promise<string> {
    const parts = await Promise.all(this.#metrics.map((metric) => metric.render()));
    return parts.join('');
  }
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
}

/** `{a="1",b="2"}` with sorted names, so one set of labels always maps to one series. */
function labelText(labels: Labels): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return '';
  const escape = (value: string) =>
    value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${names.map((name) => `${name}="${escape(labels[name]!)}"`).join(',')}}`;
}

function number(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}
