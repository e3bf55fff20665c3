// One machine: its parties and state, its chain history, and (for its OEM, its customer and the operator) live
// telemetry: status, OEE over the window, and a chart of a sensor over the last N minutes, refreshed every 2 s.
import { api, maybe } from '../api.js';
import { h, fill, table, badge, kv, party, time, percent, short } from '../dom.js';
import { createChart, drawChart } from '../chart.js';
import { stateTone } from './machines.js';

const WINDOWS = [5, 15, 60];

export async function mount(view, ctx) {
  const id = ctx.id;
  const header = h('div');
  const facts = h('div', { class: 'grid', id: 'machine-facts' });
  const telemetry = h('div', { id: 'telemetry' });
  const history = h('div', { id: 'machine-history' });
  view.append(h('p', {}, h('a', { href: '#/machines' }, '← Machines')), header, facts, telemetry, h('h2', {}, 'Chain history'), history);

  let machine = null;
  await ctx.live(async () => {
    machine = await api(`/api/machines/${id}`, { signal: ctx.signal });
    fill(header, h('h1', {}, `${machine.model} `, badge(machine.state, stateTone(machine.state)), ' ', h('span', { class: 'muted' }, short(machine.id, 8))));
    fill(facts,
      kv('State (observed)', machine.state, { id: 'machine-state' }),
      kv('State (final)', machine.finalState, { id: 'machine-final-state' }),
      kv('OEM', party(machine.oem, ctx.me)),
      kv('Customer', party(machine.customer, ctx.me)),
      kv('Region', machine.region),
      kv('Device', party(machine.device)),
      kv('Terms', machine.acceptedTermsVersion ? `v${machine.acceptedTermsVersion} accepted (latest v${machine.latestTermsVersion})` : `v${machine.latestTermsVersion ?? '—'} proposed`),
      kv('Telemetry interval', `${machine.telemetryIntervalSeconds} s`));
    fill(history, table(['Event', 'Block', 'Transaction', 'Status', 'Seen'], [...machine.history].reverse().map(e =>
      h('tr', {}, h('td', {}, e.event), h('td', {}, e.block), h('td', { class: 'mono', title: e.transactionHash }, short(e.transactionHash, 10)),
        h('td', {}, badge(e.status, e.status === 'Final' ? 'ok' : e.status === 'Retracted' ? 'bad' : 'warn')), h('td', {}, time(e.observedAt)))),
      'Nothing on chain yet.'));
  });

  if (!machine) return; // not there, or not visible to this member: the banner says which
  if (!['operator', 'oem', 'customer'].some(ctx.has)) {
    fill(telemetry, h('p', { class: 'muted' }, 'Telemetry is visible to the machine\'s OEM and customer only.'));
    return;
  }
  await mountTelemetry(telemetry, ctx, id);
}

async function mountTelemetry(root, ctx, id) {
  const status = h('div', { class: 'grid', id: 'telemetry-status' });
  const windowSelect = h('select', { id: 'chart-window' }, WINDOWS.map(m => h('option', { value: m, selected: m === 15 }, `last ${m} min`)));
  const sensorSelect = h('select', { id: 'chart-sensor' });
  const chart = createChart('telemetry-chart');
  const summary = h('span', { id: 'chart-summary', class: 'muted' });
  root.append(h('h2', {}, 'Telemetry'), status,
    h('div', { class: 'toolbar' }, h('label', {}, 'Window ', windowSelect), h('label', {}, 'Series ', sensorSelect), summary), chart);

  let readings = []; // parsed canonical readings within the window, by seq
  let lastSeq = 0;
  const series = () => sensorSelect.value || 'produced';

  async function pull() {
    const minutes = Number(windowSelect.value);
    const to = Date.now();
    const from = to - minutes * 60_000;
    // Only what is new since the last pull; a page is at most 5,000 readings, follow `next` for more.
    let next = `/api/telemetry/machines/${id}/readings?from=${from}&pageSize=5000&after=${lastSeq}`;
    for (let pages = 0; next && pages < 4; pages++) {
      const page = await api(next, { signal: ctx.signal });
      readings.push(...page.readings);
      if (page.lastSeq) lastSeq = Math.max(lastSeq, page.lastSeq);
      next = page.next;
    }
    readings = readings.filter(r => r.ts >= from).sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    const names = ['produced', 'rejected', ...new Set(readings.flatMap(r => Object.keys(r.sensors ?? {})))];
    if (names.join() !== [...sensorSelect.options].map(o => o.value).join()) {
      const chosen = sensorSelect.value || names[2] || 'produced'; // the first sensor unless the user chose
      fill(sensorSelect, names.map(n => h('option', { value: n, selected: n === chosen }, n)));
    }
    const name = series();
    const points = readings.map(r => ({ t: r.ts, v: name === 'produced' || name === 'rejected' ? r[name] : r.sensors?.[name] })).filter(p => typeof p.v === 'number');
    drawChart(chart, points, { from, to, label: name });
    fill(summary, `${readings.length} readings in the last ${minutes} min`);
  }

  async function pullStatus() {
    const minutes = Number(windowSelect.value);
    const [s, oee] = await Promise.all([
      maybe(`/api/telemetry/machines/${id}/status`, { signal: ctx.signal }),
      maybe(`/api/telemetry/machines/${id}/oee?from=${Date.now() - minutes * 60_000}`, { signal: ctx.signal }),
    ]);
    if (!s) { fill(status, h('p', { class: 'muted' }, 'Telemetry has not heard of this machine yet.')); return; }
    fill(status,
      kv('Executing', s.executing ? 'yes' : 'no', { id: 'telemetry-executing' }),
      kv('Status', s.status ?? '—', { id: 'telemetry-last-status' }),
      kv('Readings', s.readingCount, { id: 'telemetry-count' }),
      kv('Last seq', s.lastSeq ?? '—', { id: 'telemetry-last-seq' }),
      kv('Last seen', time(s.lastSeenAt)),
      kv('Gap', s.gap?.open ? `open since ${time(s.gap.since)}` : 'none'),
      kv('Batches sealed', `${s.batches?.sealed ?? 0} (+${s.batches?.openReadings ?? 0} open)`),
      kv(`OEE (${minutes} min)`, oee ? percent(oee.oeeBp) : '—', { id: 'telemetry-oee' }),
      kv('Availability · performance · quality', oee ? `${percent(oee.availabilityBp)} · ${percent(oee.performanceBp)} · ${percent(oee.qualityBp)}` : '—'));
  }

  windowSelect.addEventListener('change', () => { readings = []; lastSeq = 0; pull(); pullStatus(); });
  sensorSelect.addEventListener('change', () => pull());
  await ctx.every(2000, pull);
  await ctx.every(2000, pullStatus);
}
