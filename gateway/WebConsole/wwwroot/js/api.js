// Every call for data goes through here: the API key the user typed rides along as X-Api-Key, and an error
// answer (RFC 9457 problem details) becomes an ApiError carrying the problem.

const KEY = 'maas.console.apiKey';

export const credentials = {
  get key() { return sessionStorage.getItem(KEY); },
  set key(value) { if (value) sessionStorage.setItem(KEY, value); else sessionStorage.removeItem(KEY); },
};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export async function api(path, { method = 'GET', body, key = credentials.key, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (key) headers['X-Api-Key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store' });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) throw new ApiError(response.status, json ?? { title: response.statusText || `HTTP ${response.status}`, detail: text });
  return json;
}

/** GET that answers null for 404 (a resource not there yet, or not visible to this member). */
export async function maybe(path, options) {
  try {
    return await api(path, options);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
