// Server-Sent Events through the gateway, read with fetch (EventSource cannot send the
// Authorization header). A stream that ends or fails is opened again after a pause, as
// EventSource would; an HTTP error (a 503 while live updates are down) too.
import type { Account } from './api.js';
import { authorization } from './api.js';

export interface LiveFeed {
  close(): void;
}

const RETRY_MS = 5000;

/** The events of an SSE byte stream: `event` and `data` fields, dispatched at each blank line. */
async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (type: string, data: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let type = 'message';
  let data: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(buffer[newline] === '\r' ? newline + 2 : newline + 1);
      if (line === '') {
        if (data.length > 0) onEvent(type, data.join('\n'));
        type = 'message';
        data = [];
      } else if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
  }
}

export function subscribe(url: string, onAccount: (a: Account) => void, onState: (state: 'connected' | 'reconnecting' | 'unavailable') => void): LiveFeed {
  let timer: number | undefined;
  let closed = false;
  let abort: AbortController | undefined;
  const open = async () => {
    abort = new AbortController();
    try {
      const res = await fetch(url, { headers: { accept: 'text/event-stream', ...authorization() }, signal: abort.signal });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      onState('connected');
      await readEvents(res.body, (type, data) => {
        if (type === 'unavailable') onState('reconnecting');
        if (type !== 'account') return;
        try {
          onAccount(JSON.parse(data) as Account);
        } catch {
          /* ignore a malformed frame */
        }
      });
      if (!closed) onState('reconnecting');
    } catch {
      if (!closed) onState('unavailable');
    }
    if (!closed) timer = window.setTimeout(() => void open(), RETRY_MS);
  };
  void open();
  return {
    close() {
      closed = true;
      window.clearTimeout(timer);
      abort?.abort();
    },
  };
}
