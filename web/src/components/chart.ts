// A uPlot time-series chart of every numeric field a source reports. A field seen for the
// first time adds a series; points can be appended live. uPlot draws on a canvas and sizes
// itself through the CSSOM, both of which the CSP allows.
import uPlot from 'uplot';

export interface Sample {
  t: number; // ms since the epoch
  values: Record<string, number>;
}

const kPalette = ['#ea580c', '#2563eb', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];
// Keys that identify or time a message rather than measure something.
const kNotMeasurements = new Set(['device_id', 'gateway_id', 'node_id', 'mac', 'id', 'timestamp', 'ts', 'time', 'seq', 'type', 'value', 'command_id']);
const kMaxPoints = 5000;

export function measurements(type: unknown, value: unknown, data: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof value === 'number' && Number.isFinite(value)) out[typeof type === 'string' && type ? type : 'value'] = value;
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
      if (kNotMeasurements.has(k) || k in out) continue;
      if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    }
  }
  return out;
}

export class LiveChart {
  readonly el: HTMLElement;
  private plot: uPlot | null = null;
  private keys: string[] = [];
  private samples: Sample[] = [];
  private readonly resize: ResizeObserver;
  private frame = 0;

  constructor() {
    this.el = document.createElement('div');
    this.el.className = 'chart';
    this.el.dataset.testid = 'chart';
    this.el.dataset.points = '0';
    this.resize = new ResizeObserver(() => this.fit());
    this.resize.observe(this.el);
  }

  setSamples(samples: Sample[]): void {
    this.samples = [...samples].sort((a, b) => a.t - b.t).slice(-kMaxPoints);
    this.keys = [];
    for (const s of this.samples) for (const k of Object.keys(s.values)) if (!this.keys.includes(k)) this.keys.push(k);
    this.rebuild();
  }

  append(sample: Sample): void {
    const last = this.samples[this.samples.length - 1];
    this.samples.push(sample);
    if (last && sample.t < last.t) this.samples.sort((a, b) => a.t - b.t);
    if (this.samples.length > kMaxPoints) this.samples.splice(0, this.samples.length - kMaxPoints);
    let added = false;
    for (const k of Object.keys(sample.values)) {
      if (!this.keys.includes(k)) {
        this.keys.push(k);
        added = true;
      }
    }
    if (added || !this.plot) this.rebuild();
    else this.scheduleData();
  }

  count(): number {
    return this.samples.length;
  }

  destroy(): void {
    this.resize.disconnect();
    cancelAnimationFrame(this.frame);
    this.plot?.destroy();
    this.plot = null;
  }

  private data(): uPlot.AlignedData {
    const xs = this.samples.map((s) => s.t / 1000);
    const ys = this.keys.map((k) => this.samples.map((s) => (k in s.values ? s.values[k] : null)));
    return [xs, ...ys] as uPlot.AlignedData;
  }

  private scheduleData(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.plot?.setData(this.data());
      this.el.dataset.points = String(this.samples.length);
    });
  }

  private size(): { width: number; height: number } {
    const width = Math.max(240, Math.floor(this.el.clientWidth || this.el.parentElement?.clientWidth || 600));
    return { width, height: width < 560 ? 220 : 320 };
  }

  private fit(): void {
    if (!this.plot) return;
    const { width, height } = this.size();
    if (width !== this.plot.width || height !== this.plot.height) this.plot.setSize({ width, height });
  }

  private rebuild(): void {
    this.plot?.destroy();
    this.plot = null;
    this.el.replaceChildren();
    this.el.dataset.points = String(this.samples.length);
    this.el.dataset.series = this.keys.join(',');
    if (this.keys.length === 0) {
      const empty = document.createElement('p');
      empty.className = 'chart-empty muted';
      empty.textContent = 'No numeric readings in this range yet.';
      this.el.appendChild(empty);
      return;
    }
    const css = getComputedStyle(document.documentElement);
    const axisColor = css.getPropertyValue('--muted').trim() || '#6b7280';
    const gridColor = css.getPropertyValue('--grid').trim() || 'rgba(0,0,0,0.08)';
    const axis: uPlot.Axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 } };
    const opts: uPlot.Options = {
      ...this.size(),
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      axes: [axis, { ...axis, size: 56 }],
      series: [
        {},
        ...this.keys.map((k, i) => ({
          label: k,
          stroke: kPalette[i % kPalette.length],
          width: 2,
          spanGaps: true,
          points: { size: 4 },
        })),
      ],
    };
    this.plot = new uPlot(opts, this.data(), this.el);
  }
}
