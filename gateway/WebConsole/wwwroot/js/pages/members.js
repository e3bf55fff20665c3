// The operator's view of the consortium: every member, its roles, its on-chain status and its API keys.
import { api } from '../api.js';
import { h, fill, table, badge, party } from '../dom.js';

export async function mount(view, ctx) {
  const list = h('div', { id: 'members' });
  view.append(h('h1', {}, 'Members'), h('p', { class: 'muted' }, 'Every member of the consortium (operator only).'), list);
  await ctx.live(async () => {
    const members = await api('/api/machines/members', { signal: ctx.signal });
    fill(list, table(['Name', 'Roles', 'Account', 'Status', 'Final', 'API keys'], members.map(m =>
      h('tr', { class: 'member-row', dataset: { memberId: m.id } },
        h('td', {}, m.name), h('td', {}, m.roles.map(r => badge(r, 'info'))), h('td', {}, party(m.account, ctx.me)),
        h('td', {}, badge(m.status, m.status === 'active' ? 'ok' : 'warn')), h('td', {}, m.finalStatus), h('td', {}, m.apiKeys)))));
    list.dataset.count = String(members.length);
  });
}
