// One ticket and its full history: the race (acceptances in chain order, the winner at finality) or the bids,
// the SLA clocks, pauses and breaches, and every operation sent for it.
import { api } from '../api.js';
import { h, fill, table, badge, kv, party, time, short } from '../dom.js';
import { clock, statusTone } from './tickets.js';

const same = (a, b) => !!a && !!b && a.toLowerCase() === b.toLowerCase();
const factTone = status => status === 'Final' ? 'ok' : status === 'Retracted' ? 'bad' : 'warn';

export async function mount(view, ctx) {
  const root = h('div', { id: 'ticket' });
  view.append(h('p', {}, h('a', { href: '#/tickets' }, '← Tickets')), root);

  await ctx.live(async () => {
    const { ticket: t, machine: m, sla, operations } = await api(`/api/maintenance/tickets/${ctx.id}`, { signal: ctx.signal });
    const race = t.history.filter(e => ['TicketAccepted', 'TicketAwarded'].includes(e.event));
    fill(root,
      h('h1', {}, `Ticket #${t.seq} `, badge(t.status, statusTone(t.status)), ' ', h('span', { class: 'muted' }, `${t.kind} · ${t.mode}`)),
      h('div', { class: 'grid', id: 'ticket-facts' },
        kv('Status (observed)', t.status, { id: 'ticket-status' }),
        kv('Status (final)', t.finalStatus, { id: 'ticket-final-status' }),
        kv('Machine', h('a', { href: `#/machines/${m.id}` }, `${m.model} (${m.state})`)),
        kv('Customer', party(m.customer, ctx.me)),
        kv('Maintainer (observed)', party(t.assignee, ctx.me)),
        kv('Winner at finality', t.finalAssignee ? party(t.finalAssignee, ctx.me) : 'not final yet', { id: 'ticket-winner' }),
        kv('Opened', time(t.openedAt)),
        kv('Accepted', time(t.acceptedAt)),
        kv('Completed', time(t.completedAt)),
        kv('Machine running again', t.runningAgainAt ? `${time(t.runningAgainAt)} (${t.resolutionSource})` : '—')),
      h('h2', {}, 'SLA clocks'),
      h('div', { class: 'split', id: 'ticket-sla' },
        h('div', { class: 'card' }, h('strong', {}, 'Time to accept'), clock(sla.accept)),
        h('div', { class: 'card' }, h('strong', {}, 'Time to resolution'), clock(sla.resolution))),
      t.pauses.length ? table(['Paused', 'Reason', 'Note', 'Resumed'], t.pauses.map(p => h('tr', {}, h('td', {}, time(p.from)), h('td', {}, p.reason), h('td', {}, p.note ?? ''), h('td', {}, time(p.to))))) : null,
      t.breaches.length ? table(['Breached clock', 'Target', 'Elapsed', 'At'], t.breaches.map(b => h('tr', {}, h('td', {}, b.clock), h('td', {}, `${b.targetSeconds} s`), h('td', {}, `${Math.round(b.elapsedSeconds)} s`), h('td', {}, time(b.at))))) : null,
      t.mode === 'Fcfs'
        ? [h('h2', {}, 'The race (first come, first served: chain order decides, at finality)'),
          h('div', { id: 'ticket-race' }, table(['Maintainer', 'Block', 'Log', 'Transaction', 'Status', 'Seen', 'Final at'], race.map(e =>
            h('tr', { class: same(e.actor, t.finalAssignee) ? 'winner' : '' },
              h('td', {}, party(e.actor, ctx.me), same(e.actor, t.finalAssignee) ? [' ', badge('winner', 'ok')] : null),
              h('td', {}, e.block), h('td', {}, e.logIndex), h('td', { class: 'mono', title: e.transactionHash }, short(e.transactionHash, 10)),
              h('td', {}, badge(e.status, factTone(e.status))), h('td', {}, time(e.observedAt)), h('td', {}, time(e.finalAt)))), 'Nobody has accepted yet.'))]
        : [h('h2', {}, `Bids (${t.mode}${t.auction ? `, ${t.auction.rule}` : ''})`),
          h('div', { id: 'ticket-bids' }, table(['Bidder', 'Price', 'ETA', 'Sealed', 'Status', 'Block'], t.bids.map(b =>
            h('tr', {}, h('td', {}, party(b.bidder, ctx.me)), h('td', {}, b.price), h('td', {}, `${b.eta} s`), h('td', {}, b.sealed ? 'yes' : 'no'),
              h('td', {}, badge(b.status, factTone(b.status))), h('td', {}, b.block))), 'No bids yet.')),
          t.award ? h('p', {}, 'Awarded to ', party(t.award.maintainer, ctx.me), ` at ${t.award.price} (ETA ${t.award.eta} s) `, badge(t.award.status, factTone(t.award.status))) : null],
      h('h2', {}, 'History'),
      h('div', { id: 'ticket-history' }, table(['Event', 'By', 'Block', 'Transaction', 'Status', 'Seen', 'Final at'], t.history.map(e =>
        h('tr', { dataset: { event: e.event } }, h('td', {}, e.event), h('td', {}, party(e.actor, ctx.me)), h('td', {}, e.block),
          h('td', { class: 'mono', title: e.transactionHash }, short(e.transactionHash, 10)), h('td', {}, badge(e.status, factTone(e.status))),
          h('td', {}, time(e.observedAt)), h('td', {}, time(e.finalAt)))), 'Nothing on chain yet.')),
      h('h2', {}, 'Operations'),
      table(['Command', 'By', 'Watchdog', 'Status', 'Requested'], t.operations.map(o => {
        const operation = operations.find(x => x.id === o.operationId);
        return h('tr', {}, h('td', {}, o.command), h('td', {}, party(o.account, ctx.me)), h('td', {}, o.byWatchdog ? 'yes' : 'no'),
          h('td', {}, operation ? badge(operation.status, operation.status === 'Final' ? 'ok' : operation.status === 'Failed' ? 'bad' : 'warn') : '—'), h('td', {}, time(o.at)));
      }), 'None.'));
  });
}
