// Machines the member may see (an OEM its own, a customer those it rents, a maintainer those it is accredited
// for, the operator all), with their state as observed on chain and as final.
import { api } from '../api.js';
import { h, fill, table, badge, party, time } from '../dom.js';

export const stateTone = state => ({ Executed: 'ok', Accepted: 'info', Registered: 'info', Stopped: 'warn', Terminated: 'bad' })[state] ?? '';

export async function mount(view, ctx) {
  const intro = {
    operator: 'Every machine of the consortium.',
    oem: 'The machines you rent out.',
    customer: 'The machines you rent.',
    maintainer: 'The machines you are accredited to service.',
  }[ctx.roles.find(r => ['operator', 'oem', 'customer', 'maintainer'].includes(r))];
  const list = h('div', { id: 'machines' });
  view.append(h('h1', {}, 'Machines'), h('p', { class: 'muted' }, intro), list);

  await ctx.live(async () => {
    const machines = await api('/api/machines', { signal: ctx.signal });
    fill(list, table(['Model', 'Region', 'OEM', 'Customer', 'State', 'Final', 'Updated'], machines.map(m =>
      h('tr', { class: 'clickable machine-row', dataset: { machineId: m.id }, onclick: () => { location.hash = `#/machines/${m.id}`; } },
        h('td', {}, h('a', { href: `#/machines/${m.id}` }, m.model)),
        h('td', {}, m.region),
        h('td', {}, party(m.oem, ctx.me)),
        h('td', {}, party(m.customer, ctx.me)),
        h('td', { class: 'state' }, badge(m.state, stateTone(m.state))),
        h('td', { class: 'final-state' }, badge(m.finalState, stateTone(m.finalState))),
        h('td', {}, time(m.updatedAt)))), 'No machines visible to you yet.'));
    list.dataset.count = String(machines.length);
  });
}
