import { METRICS_GROUP, METRICS_ITEMS, type MetricsSample, type ServerMetrics, STREAMS } from '../../shared/demo-streams';
import type { DemoClient } from './demo-client';
import { duration, timeOf } from './format.helpers';
import { renderSparkline } from './sparkline.render';

type Field = Exclude<keyof ServerMetrics, 'id' | 'updatedAt' | 'startedAt' | 'intervalMs'>;

const FORMAT: Record<Field, (value: number) => string> = {
  cpuPercent: (v) => v.toFixed(1),
  heapUsedMb: (v) => v.toFixed(1),
  rssMb: (v) => v.toFixed(0),
  eventLoopDelayMs: (v) => v.toFixed(1),
  uptimeSeconds: duration,
  ticks: (v) => v.toLocaleString('en-US'),
};

const SPARKLINES = ['cpuPercent', 'heapUsedMb', 'rssMb', 'eventLoopDelayMs'] as const;

/**
 * The metrics tiles: one group subscription to `dashboard-metrics/server`, whose mirror holds the `current`
 * sample and the `history` used by the sparklines. Tiles are in index.html, found by `data-metric`.
 */
export function mountMetrics(client: DemoClient, root: HTMLElement, staleNote: HTMLElement): void {
  const card = root.closest<HTMLElement>('.card-metrics') ?? root;
  // Off the socket, the tiles show the last values received: the card says so instead of looking live.
  const renderState = () => {
    const live = client.state === 'open';
    card.toggleAttribute('data-stale', !live);
    staleNote.hidden = live;
  };
  renderState();
  client.on('state', renderState);
  const metrics = client.subscribeGroup(STREAMS.metrics, METRICS_GROUP);
  metrics.on('change', () => {
    const current = metrics.items.get(METRICS_ITEMS.current);
    const history = metrics.items.get(METRICS_ITEMS.history);
    if (current?.id === METRICS_ITEMS.current) renderCurrent(root, current);
    if (history?.id === METRICS_ITEMS.history) for (const field of SPARKLINES) renderHistory(root, field, history.samples);
  });
}

function renderCurrent(root: HTMLElement, current: ServerMetrics): void {
  for (const [field, format] of Object.entries(FORMAT) as [Field, (value: number) => string][]) {
    setText(root, `[data-metric="${field}"]`, format(current[field]));
  }
  setText(root, '[data-caption="startedAt"]', `since ${timeOf(current.startedAt)}`);
  setText(root, '[data-caption="intervalMs"]', `one every ${current.intervalMs >= 1000 ? `${current.intervalMs / 1000} s` : `${current.intervalMs} ms`}`);
  // Restart the "live" pulse on every update.
  root.classList.remove('pulse');
  void root.offsetWidth;
  root.classList.add('pulse');
}

function setText(root: HTMLElement, selector: string, text: string): void {
  const element = root.querySelector<HTMLElement>(selector);
  if (element) element.textContent = text;
}

function renderHistory(root: HTMLElement, field: keyof MetricsSample, samples: MetricsSample[]): void {
  const svg = root.querySelector<SVGSVGElement>(`[data-sparkline="${field}"]`);
  if (svg) renderSparkline(svg, samples.map((s) => s[field]));
}
