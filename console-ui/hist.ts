import type { Histogram } from '../src/console/types.js';

const NS = 'http://www.w3.org/2000/svg';

/** A histogram as an SVG bar chart (bucket upper bounds along the bottom). */
export function histogramSvg(h: Histogram, unit = 'ms'): SVGSVGElement {
  const width = 380;
  const height = 90;
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('class', 'hist');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  const n = h.counts.length;
  const max = Math.max(1, ...h.counts);
  const bw = width / Math.max(1, n);
  h.counts.forEach((c, i) => {
    const bh = c === 0 ? 0 : Math.max(1, (c / max) * (height - 20));
    const rect = document.createElementNS(NS, 'rect');
    rect.setAttribute('x', String(i * bw + 1));
    rect.setAttribute('y', String(height - 14 - bh));
    rect.setAttribute('width', String(Math.max(1, bw - 2)));
    rect.setAttribute('height', String(bh));
    const title = document.createElementNS(NS, 'title');
    const bound = h.bounds[i];
    title.textContent = `${bound === undefined ? `> ${h.bounds[i - 1]}` : `≤ ${bound}`} ${unit}: ${c}`;
    rect.append(title);
    svg.append(rect);
    if (i % Math.ceil(n / 8) === 0) {
      const text = document.createElementNS(NS, 'text');
      text.setAttribute('x', String(i * bw + 1));
      text.setAttribute('y', String(height - 2));
      text.textContent = bound === undefined ? '∞' : String(bound);
      svg.append(text);
    }
  });
  return svg;
}
