// Tickets the member may see (its machines', those it may take as an accredited maintainer, its own; the operator
// all): mode, who holds it as observed and at finality, bids, and the SLA clocks of the active ones.
import { api } from '../api.js';
import { h, fill, table, badge, party, time, duration } from '../dom.js';

export const statusTone = status => ({ Open: 'warn', Accepted: 'info', Completed: 'info', Closed: 'ok', Cancelled: '', Failed: 'bad', Requested: '' })[status] ?? '';

const DETAILED = 10; // SLA clocks are fetched for this many of the most recent active tickets

export async function mount(view, ctx) {
  const filter = h('select', { id: 'ticket-filter' },
    h('option', { value: 'active', selected: true }, 'active'), h('option', { value: 'open' }, 'open (waiting for a maintainer)'), h('option', { value: 'all' }, 'all'));
  const list = h('div', { id: 'tickets' });
  const intro = ctx.has('maintainer') && !ctx.has('operator')
    ? 'Tickets you may take (by your accreditations) and the ones you hold.'
    : ctx.has('operator') ? 'Every ticket of the consortium.' : 'Tickets of your machines.';
  view.append(h('h1', {}, 'Tickets'), h('p', { class: 'muted' }, intro), h('div', { class: 'toolbar' }, h('label', {}, 'Show ', filter)), list);

  const refresh = async () => {
    const tickets = await api(`/api/maintenance/tickets?status=${filter.value}`, { signal: ctx.signal });
    const active = tickets.filter(t => ['Open', 'Accepted', 'Completed'].includes(t.status)).slice(0, DETAILED);
    const details = new Map((await Promise.all(active.map(t => api(`/api/maintenance/tickets/${t.id}`, { signal: ctx.signal }).catch(() => null))))
      .filter(Boolean).map(d => [d.ticket.id, d]));
    fill(list, table(['#', 'Machine', 'Kind', 'Mode', 'Status', 'Maintainer (observed → final)', 'Bids', 'Time to accept', 'Time to resolution', 'Opened'],
      tickets.map(t => {
        const sla = details.get(t.id)?.sla;
        return h('tr', { class: 'clickable ticket-row', dataset: { ticketId: t.id, status: t.status }, onclick: () => { location.hash = `#/tickets/${t.id}`; } },
          h('td', {}, h('a', { href: `#/tickets/${t.id}` }, t.seq)),
          h('td', {}, `${t.model} (region ${t.region})`),
          h('td', {}, t.kind),
          h('td', { class: 'mode' }, t.mode),
          h('td', { class: 'status' }, badge(t.status, statusTone(t.status)), t.finalStatus !== t.status ? h('span', { class: 'muted' }, ` (final: ${t.finalStatus})`) : null),
          h('td', {}, party(t.assignee, ctx.me), ' → ', t.finalAssignee ? party(t.finalAssignee, ctx.me) : h('span', { class: 'muted' }, 'not final')),
          h('td', {}, t.mode === 'Fcfs' ? '—' : t.bids),
          h('td', {}, clock(sla?.accept, t)),
          h('td', {}, clock(sla?.resolution, t)),
          h('td', {}, time(t.openedAt)));
      }), 'No tickets here.'));
    list.dataset.count = String(tickets.length);
  };
  filter.addEventListener('change', refresh);
  await ctx.live(refresh);
}

/** One SLA clock: elapsed of target, with paused and breached shown. */
export function clock(view, summary) {
  if (!view) return summary?.breaches ? badge(`${summary.breaches} breached`, 'bad') : summary?.paused ? badge('paused', 'warn') : '—';
  if (!view.started) return h('span', { class: 'muted' }, 'not started');
  const share = Math.min(1, view.elapsedSeconds / Math.max(1, view.targetSeconds));
  const fillBar = h('span');
  fillBar.style.width = `${(share * 100).toFixed(0)}%`;
  const state = view.breached ? 'breached' : view.paused ? 'paused' : view.running ? 'running' : 'stopped';
  return h('div', { class: 'clock', dataset: { clock: view.clock, state } },
    h('span', {}, `${duration(view.elapsedSeconds)} of ${duration(view.targetSeconds)} `,
      view.breached ? badge('breached', 'bad') : view.paused ? badge('paused', 'warn') : view.running ? badge('running', 'info') : badge('stopped', 'ok')),
    h('div', { class: `bar ${view.breached ? 'breached' : view.paused ? 'paused' : ''}` }, fillBar),
    view.pausedSeconds > 0 ? h('span', { class: 'muted' }, `paused ${duration(view.pausedSeconds)}`) : null);
}
