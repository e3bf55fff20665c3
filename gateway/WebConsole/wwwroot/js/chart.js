// A small hand-written SVG line chart: one series of (time ms, value) points over a fixed time window.
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

export function createChart(id) {
  const root = svg('svg', { id, class: 'chart', viewBox: '0 0 900 260', preserveAspectRatio: 'none', role: 'img' });
  root.dataset.points = '0';
  return root;
}

/**
 * Draws points [{t, v}] between from and to (ms). The element's data-points and data-last tell what is drawn
 * (the tests read them; so can anyone inspecting the page).
 */
export function drawChart(root, points, { from, to, label = '' }) {
  const width = 900, height = 260, left = 64, right = 12, top = 14, bottom = 28;
  root.replaceChildren();
  root.dataset.points = String(points.length);
  root.dataset.last = points.length ? String(points[points.length - 1].v) : '';
  root.setAttribute('aria-label', `${label}: ${points.length} readings`);
  const values = points.map(p => p.v);
  let min = values.length ? Math.min(...values) : 0;
  let max = values.length ? Math.max(...values) : 1;
  if (min === max) { min -= 1; max += 1; }
  const x = t => left + ((t - from) / Math.max(1, to - from)) * (width - left - right);
  const y = v => top + (1 - (v - min) / (max - min)) * (height - top - bottom);

  for (let i = 0; i <= 4; i++) {
    const value = min + ((max - min) * i) / 4;
    root.append(svg('line', { class: 'grid-line', x1: left, x2: width - right, y1: y(value), y2: y(value) }));
    root.append(svg('text', { x: left - 6, y: y(value) + 4, 'text-anchor': 'end' }, formatValue(value)));
  }
  for (let i = 0; i <= 4; i++) {
    const t = from + ((to - from) * i) / 4;
    root.append(svg('text', { x: x(t), y: height - 8, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' },
      new Date(t).toLocaleTimeString(undefined, { hour12: false })));
  }
  root.append(svg('line', { class: 'axis', x1: left, x2: left, y1: top, y2: height - bottom }));
  root.append(svg('line', { class: 'axis', x1: left, x2: width - right, y1: height - bottom, y2: height - bottom }));
  if (points.length === 0) {
    root.append(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'no-data' }, 'no readings in this window yet'));
    return;
  }
  root.append(svg('polyline', { class: 'series', points: points.map(p => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ') }));
  const last = points[points.length - 1];
  root.append(svg('circle', { class: 'dot', cx: x(last.t), cy: y(last.v), r: 3 }));
  root.append(svg('text', { x: left + 6, y: top + 10 }, label));
}

function formatValue(value) {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(0)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
