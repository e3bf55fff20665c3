// Invoices of the member's machines: period, total, chain state and this deployment's verification (the customer's
// node recomputes each issued invoice and accepts or disputes it). Terms come from the Invoicing API too.
import { api, maybe } from '../api.js';
import { h, fill, table, badge, time, money, short } from '../dom.js';

const TERMS_EVERY_MS = 30000; // terms are read from the chain on every call: not every 2 s

const stateTone = state => ({ Computed: '', Issued: 'warn', Accepted: 'ok', Disputed: 'bad', Settled: 'ok' })[state] ?? '';

export async function mount(view, ctx) {
  const list = h('div', { id: 'invoices' });
  view.append(h('h1', {}, 'Invoices'),
    h('p', { class: 'muted' }, 'One invoice per machine and billing period, computed from anchored telemetry only; the customer\'s node verifies each one.'), list);

  const terms = new Map(); // machine id → { at, value }
  await ctx.live(async () => {
    const machines = (await api('/api/machines', { signal: ctx.signal })).filter(m => m.finalState !== 'None');
    const rows = await Promise.all(machines.map(async m => {
      const cached = terms.get(m.id);
      if (!cached || Date.now() - cached.at > TERMS_EVERY_MS) terms.set(m.id, { at: Date.now(), value: await maybe(`/api/invoicing/machines/${m.id}/terms`, { signal: ctx.signal }) });
      const invoices = (await maybe(`/api/invoicing/machines/${m.id}/invoices`, { signal: ctx.signal })) ?? [];
      return { machine: m, terms: terms.get(m.id).value, invoices };
    }));
    fill(list, rows.length === 0 ? h('p', { class: 'muted empty' }, 'No machines visible to you yet.') : rows.map(section));
    list.dataset.count = String(rows.reduce((n, r) => n + r.invoices.length, 0));
  });
}

function section({ machine, terms, invoices }) {
  const active = terms?.versions?.find(v => v.version === terms.activeVersion);
  const currency = active?.document?.currency;
  const periodSeconds = terms?.billingPeriodSeconds;
  const epoch = terms?.epoch ? Date.parse(terms.epoch) : null;
  const bounds = period => epoch && periodSeconds ? `${time(epoch + period * periodSeconds * 1000)} – ${time(epoch + (period + 1) * periodSeconds * 1000)}` : '';
  return h('div', { class: 'card machine-invoices', dataset: { machineId: machine.id } },
    h('h2', {}, h('a', { href: `#/machines/${machine.id}` }, machine.model), ' ', h('span', { class: 'muted' }, short(machine.id, 8))),
    h('p', { class: 'terms' }, !terms ? 'No terms visible.' : terms.activeVersion && epoch
      ? `Terms v${terms.activeVersion} active (latest v${terms.latestVersion}), billing period ${duration(periodSeconds)}, ` +
        `first period from ${time(epoch)}; the next invoice is due after ${time(nextEnd(epoch, periodSeconds))}`
      : `Terms v${terms.latestVersion} proposed, billing period ${duration(periodSeconds)}, not accepted yet`),
    table(['Period', 'Revision', 'State', 'Total', 'Verification', 'Document', 'Updated'], invoices.map(i =>
      h('tr', { class: 'invoice-row', dataset: { invoiceId: i.invoiceId, state: i.state } },
        h('td', {}, `#${i.period} `, h('span', { class: 'muted' }, bounds(i.period))),
        h('td', {}, i.revision),
        h('td', { class: 'state' }, badge(i.state, stateTone(i.state)), i.final ? '' : h('span', { class: 'muted' }, ' (not final)')),
        h('td', {}, money(i.total, currency)),
        h('td', { class: 'verification' }, verification(i)),
        h('td', { class: 'mono', title: i.documentCid ?? '' }, short(i.documentCid, 6)),
        h('td', {}, time(i.updatedAt)))), 'No invoice issued yet.'));
}

function verification(invoice) {
  const v = invoice.lastVerification;
  if (invoice.state === 'Disputed') return badge('disputed', 'bad');
  if (invoice.state === 'Accepted' || invoice.state === 'Settled') return badge(v ? 'accepted: recomputed the same' : 'accepted', 'ok');
  if (!v) return h('span', { class: 'muted' }, 'not verified yet');
  return v.ok ? badge('verified: recomputed the same', 'ok') : badge(`mismatch (${v.checks?.filter(c => !c.ok).length ?? '?'} checks)`, 'bad');
}

function duration(seconds) {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function nextEnd(epoch, periodSeconds) {
  const period = Math.max(0, Math.floor((Date.now() - epoch) / (periodSeconds * 1000)));
  return epoch + (period + 1) * periodSeconds * 1000;
}
