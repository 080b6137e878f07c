// Server-Sent Events through the gateway. EventSource reconnects by itself after a network error,
// but gives up on an HTTP error (a 503 while live updates are down): then we retry ourselves.
import type { Account } from './api.js';

export interface LiveFeed {
  close(): void;
}

export function subscribe(url: string, onAccount: (a: Account) => void, onState: (state: 'connected' | 'reconnecting' | 'unavailable') => void): LiveFeed {
  let es: EventSource | undefined;
  let timer: number | undefined;
  let closed = false;
  const open = () => {
    es = new EventSource(url);
    es.addEventListener('open', () => onState('connected'));
    es.addEventListener('account', (e) => {
      try {
        onAccount(JSON.parse((e as MessageEvent<string>).data) as Account);
      } catch {
        /* ignore a malformed frame */
      }
    });
    es.addEventListener('unavailable', () => onState('reconnecting'));
    es.addEventListener('error', () => {
      if (!es || es.readyState !== EventSource.CLOSED) {
        onState('reconnecting');
        return;
      }
      onState('unavailable');
      if (!closed) timer = window.setTimeout(open, 5000);
    });
  };
  open();
  return {
    close() {
      closed = true;
      window.clearTimeout(timer);
      es?.close();
    },
  };
}
