// Small DOM helpers. Everything is built with createElement/textContent, never innerHTML: the data shown comes from
// other members (names, descriptions), and the page holds an API key.

/** h('td', { class: 'x', dataset: { id } }, 'text', child) */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of an element. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export function table(headers, rows, empty = 'Nothing yet.') {
  if (rows.length === 0) return h('p', { class: 'muted empty' }, empty);
  return h('table', {}, h('thead', {}, h('tr', {}, headers.map(x => h('th', {}, x)))), h('tbody', {}, rows));
}

export function kv(label, value, attributes = {}) {
  return h('div', { class: 'kv' }, h('div', { class: 'k' }, label), h('div', { class: 'v', ...attributes }, value ?? '—'));
}

export function badge(text, tone = '') {
  return h('span', { class: `badge ${tone}` }, text);
}

export function time(value) {
  if (value === undefined || value === null) return '—';
  const date = typeof value === 'number' ? new Date(value) : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString(undefined, { hour12: false });
}

export function duration(seconds) {
  if (seconds === undefined || seconds === null) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export const short = (text, keep = 8) => !text ? '—' : text.length <= keep * 2 + 1 ? text : `${text.slice(0, keep)}…${text.slice(-4)}`;

export const percent = basisPoints => basisPoints === null || basisPoints === undefined ? '—' : `${(basisPoints / 100).toFixed(1)} %`;

export const money = (minor, currency) => minor === null || minor === undefined ? '—' : `${(minor / 100).toFixed(2)} ${currency ?? ''}`.trim();

/** An account shown short, or "you" when it is the signed-in member's. */
export function party(account, me) {
  if (!account) return '—';
  const mine = me && account.toLowerCase() === me.account.toLowerCase();
  return h('span', { class: 'mono', title: account }, mine ? 'you' : short(account, 6));
}

export function problemText(error) {
  if (error?.problem) return [error.problem.title, error.problem.detail].filter(Boolean).join(' — ');
  return error?.message ?? String(error);
}
