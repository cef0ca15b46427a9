import { BLOCKED_MS, CPU_ELU, ownDelay, ownUtilization, type Diagnosis } from './diagnose.js';
import type { DoctorSample } from './sample.js';

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** One time series as an inline SVG line chart (no script: the report opens anywhere, offline). */
function plot(title: string, xs: number[], ys: number[], unit: string, mark?: number): string {
  const w = 560;
  const h = 140;
  const pad = 30;
  const maxX = Math.max(1, ...xs);
  const maxY = Math.max(mark ?? 0, ...ys, 1e-9) * 1.1;
  const px = (x: number): number => pad + (x / maxX) * (w - pad - 8);
  const py = (y: number): number => h - 18 - (y / maxY) * (h - 30);
  const points = xs.map((x, i) => `${px(x).toFixed(1)},${py(ys[i]!).toFixed(1)}`).join(' ');
  const markLine =
    mark === undefined
      ? ''
      : `<line x1="${pad}" x2="${w - 8}" y1="${py(mark)}" y2="${py(mark)}" stroke="#b4530a" stroke-dasharray="4 3"/>`;
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">
<line x1="${pad}" x2="${pad}" y1="8" y2="${h - 18}" stroke="#999"/><line x1="${pad}" x2="${w - 8}" y1="${h - 18}" y2="${h - 18}" stroke="#999"/>
<text x="2" y="14" font-size="10">${+maxY.toPrecision(3)} ${esc(unit)}</text><text x="${w - 40}" y="${h - 4}" font-size="10">${(maxX / 1000).toFixed(1)} s</text>
${markLine}<polyline fill="none" stroke="#2761c4" stroke-width="1.5" points="${points}"/></svg></figure>`;
}

/** The doctor's HTML report: the diagnosis, each finding with its measurement, and the plots. */
export function renderReport(command: string[], diagnosis: Diagnosis, samples: DoctorSample[]): string {
  const xs = samples.map((s) => s.t);
  const f = diagnosis.figures;
  const findings = diagnosis.findings
    .map((x) => `<li><b>${esc(x.kind)}</b>: ${esc(x.evidence)}<br/>→ ${esc(x.advice)}</li>`)
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"/><title>weft doctor: ${esc(diagnosis.kind)}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;max-width:1200px;margin:24px auto;color:#1d232a}code{background:#f4f6f8;padding:0 4px}
figure{display:inline-block;margin:8px 16px 8px 0}figcaption{font-size:12px;color:#6b7480}.kind{font-size:20px;color:#2761c4}</style></head><body>
<h1>weft doctor</h1>
<p><code>${esc(command.join(' '))}</code> for ${f.seconds} s (${f.samples} samples)</p>
<p class="kind" id="diagnosis">${esc(diagnosis.kind)}</p>
<p>Recommended runtime: <code>${esc(diagnosis.builder)}</code></p>
<ul id="findings">${findings}</ul>
<p>CPU ${f.cpu} cores · loop utilization ${Math.round(f.elu * 100)}% · delay max ${f.delayMax} ms (own ${f.ownDelayMax} ms)${f.runqShare === undefined ? '' : ` · waited for a CPU ${Math.round(f.runqShare * 100)}%`} · GC ${Math.round(f.gcShare * 100)}% · ${f.sockets} sockets · ${f.tasks} tasks</p>
${plot(
  'event-loop delay the program caused, max per interval (the OS’s run-queue wait taken out)',
  xs,
  samples.map(ownDelay),
  'ms',
  BLOCKED_MS,
)}
${plot('event-loop utilization (run-queue wait taken out)', xs, samples.map(ownUtilization), '', CPU_ELU)}
${plot(
  'CPU (cores)',
  xs,
  samples.map((s) => s.cpuMs / Math.max(1, s.wall)),
  'cores',
)}
${plot(
  'tasks alive',
  xs,
  samples.map((s) => s.tasks),
  'tasks',
)}
${plot(
  'GC time per interval',
  xs,
  samples.map((s) => s.gcMs),
  'ms',
)}
${plot(
  'open sockets',
  xs,
  samples.map((s) => s.sockets),
  '',
)}
</body></html>
`;
}
