// The console's shell: sign-in with an API key, the member's menu by role, the router (#/page/id), and the live
// refresh every page hooks into (the event stream when the gateway has one, else polling every 2 s).
import { api, ApiError, credentials } from './api.js';
import { connectEvents } from './events.js';
import { h, fill, problemText } from './dom.js';

const POLL_MS = 2000;
const SAFETY_POLL_MS = 10000; // with the event stream: refresh this often anyway, in case an event was missed

/** Which role sees which page. */
const PAGES = {
  machines: { title: 'Machines', roles: ['operator', 'oem', 'customer', 'maintainer'], list: 'machines', detail: 'machine' },
  tickets: { title: 'Tickets', roles: ['operator', 'oem', 'customer', 'maintainer'], list: 'tickets', detail: 'ticket' },
  invoices: { title: 'Invoices', roles: ['operator', 'oem', 'customer'], list: 'invoices' },
  anchors: { title: 'Anchors', roles: ['operator', 'oem', 'customer'], list: 'anchors' },
  members: { title: 'Members', roles: ['operator'], list: 'members' },
};

const $ = id => document.getElementById(id);

let me = null;
let events = null;
let mode = 'polling';
let current = null; // { controller, live: [], running }
let lastLiveRun = 0;

function roles() { return me?.roles ?? []; }

function pagesOf(memberRoles) {
  const order = memberRoles.length === 1 && memberRoles[0] === 'maintainer'
    ? ['tickets', 'machines'] // a maintainer's work starts from tickets
    : ['machines', 'tickets', 'invoices', 'anchors', 'members'];
  return order.filter(name => PAGES[name].roles.some(role => memberRoles.includes(role)));
}

function showLogin(message) {
  me = null;
  events?.close();
  events = null;
  stopPage();
  $('who').hidden = true;
  $('page').hidden = true;
  fill($('menu'));
  $('login').hidden = false;
  const error = $('login-error');
  if (message) fill(error, ...message); else fill(error);
  error.hidden = !message;
  $('api-key').value = '';
  $('api-key').focus();
}

async function signIn(key) {
  me = await api('/api/machines/members/me', { key });
  credentials.key = key;
  document.body.dataset.role = pagesOf(roles()).length ? primaryRole() : '';
  fill($('member-name'), me.name);
  fill($('member-roles'), roles().map(role => h('span', { class: 'role', dataset: { role } }, role)));
  $('who').hidden = false;
  $('login').hidden = true;
  $('page').hidden = false;
  fill($('menu'), pagesOf(roles()).map(name => h('a', { href: `#/${name}`, dataset: { page: name } }, PAGES[name].title)));
  events = connectEvents(() => credentials.key, onEvent, setMode);
  route();
}

function primaryRole() {
  return ['operator', 'oem', 'customer', 'maintainer'].find(role => roles().includes(role)) ?? '';
}

function problemLines(error) {
  if (error?.problem) return [h('strong', {}, error.problem.title ?? `HTTP ${error.status}`), error.problem.detail ? h('span', {}, ' ', error.problem.detail) : null];
  return [problemText(error)];
}

function setMode(next) {
  mode = next;
  fill($('live-mode'), next === 'events' ? 'live: event stream' : 'live: polling every 2 s');
  $('live-mode').dataset.mode = next;
}

let eventTimer = null;
function onEvent(event) {
  // What arrived, for whoever inspects the page (the console tests do).
  document.body.dataset.eventsReceived = String(Number(document.body.dataset.eventsReceived ?? 0) + 1);
  document.body.dataset.lastEvent = event.type;
  clearTimeout(eventTimer);
  eventTimer = setTimeout(runLive, 200); // a burst of events, one refresh
}

async function runLive() {
  if (!current) return;
  lastLiveRun = Date.now();
  for (const fn of current.live) await guard(current, fn);
}

setInterval(() => {
  if (!current) return;
  if (mode === 'polling' || Date.now() - lastLiveRun >= SAFETY_POLL_MS) runLive();
}, POLL_MS);

/** Runs a refresh unless the same one is still running; problems are shown above the page, a dead key signs out. */
async function guard(page, fn) {
  if (page.running.has(fn) || page.controller.signal.aborted) return;
  page.running.add(fn);
  try {
    await fn();
    page.errors.delete(fn);
  } catch (error) {
    if (page.controller.signal.aborted) return;
    if (error instanceof ApiError && error.status === 401) { credentials.key = null; showLogin(problemLines(error)); return; }
    page.errors.set(fn, problemText(error));
  } finally {
    // Each refresh's last problem, until that refresh succeeds again.
    if (page === current) fill(page.banner, [...new Set(page.errors.values())].map(text => h('p', { class: 'error', role: 'alert' }, text)));
    page.running.delete(fn);
  }
}

function stopPage() {
  if (!current) return;
  current.controller.abort();
  current.timers.forEach(clearInterval);
  current = null;
}

async function route() {
  if (!me) return;
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const allowed = pagesOf(roles());
  const pageName = allowed.includes(name) ? name : allowed[0];
  if (!pageName) { fill($('page'), h('p', { class: 'error' }, 'Your member has no role this console knows.')); return; }
  if (pageName !== name) { location.hash = `#/${pageName}`; return; }
  for (const link of $('menu').querySelectorAll('a')) link.classList.toggle('active', link.dataset.page === pageName);

  const page = PAGES[pageName];
  const id = rest.length ? decodeURIComponent(rest.join('/')) : null;
  // Sign-in routes, and so does the hashchange that a redirect or a link queued meanwhile: the page already shown is
  // not mounted a second time (that would drop what the user typed and abort what it was fetching).
  const key = `${pageName}/${id ?? ''}`;
  if (current?.key === key) return;
  stopPage();
  const moduleName = id && page.detail ? page.detail : page.list;
  const view = h('section', { id: `${moduleName}-page`, class: 'page', dataset: { page: moduleName } });
  const banner = h('div', { class: 'banner' });
  fill($('page'), banner, view);
  const state = { key, controller: new AbortController(), live: [], timers: [], running: new Set(), errors: new Map(), banner };
  current = state;
  const ctx = {
    me,
    roles: roles(),
    has: role => roles().includes(role),
    id,
    signal: state.controller.signal,
    /** fn runs now and then live: on events, or every 2 s while polling. */
    live: fn => { state.live.push(fn); return guard(state, fn); },
    /** fn runs now and then every ms milliseconds, events or not (e.g. the telemetry chart). */
    every: (ms, fn) => { state.timers.push(setInterval(() => guard(state, fn), ms)); return guard(state, fn); },
  };
  try {
    const module = await import(`./pages/${moduleName}.js`);
    if (current !== state) return;
    await module.mount(view, ctx);
  } catch (error) {
    if (current === state) fill(banner, h('p', { class: 'error', role: 'alert' }, problemText(error)));
  }
}

window.addEventListener('hashchange', route);

$('login-form').addEventListener('submit', async event => {
  event.preventDefault();
  const key = $('api-key').value.trim();
  $('login-button').disabled = true;
  try {
    await signIn(key);
  } catch (error) {
    showLogin(problemLines(error));
  } finally {
    $('login-button').disabled = false;
  }
});

$('logout').addEventListener('click', () => {
  credentials.key = null;
  location.hash = '';
  showLogin();
});

if (credentials.key) {
  signIn(credentials.key).catch(error => { credentials.key = null; showLogin(problemLines(error)); });
} else {
  showLogin();
}
