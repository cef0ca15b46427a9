import uPlot from 'uplot';
import { byId } from './dom.js';
import type { Store } from './store.js';

function chart(host: HTMLElement, series: uPlot.Series[]): uPlot {
  const width = Math.max(200, host.clientWidth || 400);
  return new uPlot(
    { width, height: 110, legend: { show: true }, scales: { x: { time: true } }, series: [{}, ...series] },
    [[], ...series.map(() => [])],
    host,
  );
}

/** The two plots over time: event-loop delay (p99 and max per interval) and tasks alive. */
export function plotsView(store: Store): () => void {
  const delay = chart(byId('plot-delay'), [
    { label: 'p99', stroke: '#2761c4' },
    { label: 'max', stroke: '#b4530a' },
  ]);
  const tasks = chart(byId('plot-tasks'), [{ label: 'alive', stroke: '#0a7d2c' }]);
  return () => {
    const xs = store.loop.map((s) => s.at / 1000);
    delay.setData([xs, store.loop.map((s) => s.delayP99), store.loop.map((s) => s.delayMax)]);
    tasks.setData([xs, store.loop.map((s) => s.tasksAlive)]);
  };
}
