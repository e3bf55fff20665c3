// The gateway's server-sent event stream, GET /api/events (CloudEvents as `data:`). EventSource cannot send the
// X-Api-Key header, so the stream is read with fetch(). Where the gateway has no stream (404) the console polls;
// on other failures it polls and tries the stream again later, resuming after the last event it received
// (Last-Event-ID: the gateway replays what was missed).

const RETRY_MS = 15000;

/**
 * @param {() => string} key the current API key
 * @param {(event: {id: string|null, type: string, data: any}) => void} onEvent
 * @param {(mode: 'events'|'polling') => void} onMode
 * @returns {{ close(): void }}
 */
export function connectEvents(key, onEvent, onMode) {
  let closed = false;
  let controller = null;
  let timer = null;
  let lastId = null;
  const received = (event) => {
    if (event.id) lastId = event.id;
    onEvent(event);
  };

  async function run() {
    if (closed) return;
    controller = new AbortController();
    let response;
    try {
      const headers = { 'X-Api-Key': key(), Accept: 'text/event-stream' };
      if (lastId) headers['Last-Event-ID'] = lastId;
      response = await fetch('/api/events', { headers, signal: controller.signal, cache: 'no-store' });
    } catch {
      return later(RETRY_MS);
    }
    if (response.status === 404) { onMode('polling'); return; } // no stream on this gateway: polling for good
    if (!response.ok || !response.body) { onMode('polling'); return later(RETRY_MS); }
    onMode('events');
    try {
      await read(response.body, received);
    } catch {
      // aborted or cut: fall back to polling until the stream is back
    }
    if (!closed) { onMode('polling'); later(2000); }
  }

  function later(ms) {
    onMode('polling');
    if (!closed) timer = setTimeout(run, ms);
  }

  onMode('polling');
  run();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      controller?.abort();
    },
  };
}

/** Parses the text/event-stream format: fields until a blank line, `data:` lines joined by newlines. */
async function read(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = { id: null, type: 'message', data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline;
    while ((newline = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(buffer[newline] === '\r' ? newline + 2 : newline + 1);
      if (line === '') {
        if (event.data.length > 0) {
          const text = event.data.join('\n');
          let data = text;
          try { data = JSON.parse(text); } catch { /* not JSON: pass the text */ }
          onEvent({ id: event.id, type: event.type, data });
        }
        event = { id: null, type: 'message', data: [] };
        continue;
      }
      if (line.startsWith(':')) continue; // comment / keep-alive
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const content = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') event.data.push(content);
      else if (field === 'event') event.type = content;
      else if (field === 'id') event.id = content;
    }
  }
}
