// The dashboard: accounts (filters, open, live list), an account (balance, credit/debit,
// operations, event timeline, state at any past moment, live), and the projections' status.
// Routing by location hash: #/, #/accounts/<id> and #/api (the API reference).
import './styles.css';
import { api, ApiError, commands, queries, type Account, type Operation, type ProjectionStatus, type StateAt, type StoredEvent, type Transfer } from './api.js';
import { balanceChart } from './balance-chart.js';
import { announce, asyncHandler, clear, fmtTime, h, toLocalInput } from './dom.js';
import { subscribe, type LiveFeed } from './live.js';
import { signInIfNeeded, signOut, type SignedIn } from './auth.js';

const main = document.getElementById('main')!;
const liveStatus = document.getElementById('live-status')!;
let cleanup: Array<() => void> = [];

function setLive(state: 'connected' | 'reconnecting' | 'unavailable'): void {
  liveStatus.textContent = state === 'connected' ? 'Live updates: on' : state === 'reconnecting' ? 'Live updates: reconnecting…' : 'Live updates: unavailable, retrying';
  liveStatus.dataset.state = state;
}

/** A refusal region: the problem's title and detail, announced assertively. */
/**
 * A form's submit handler: no page load; the refusal and the status line cleared and the button
 * disabled while `action` runs; whatever it throws shown as a refusal.
 */
function submitHandler(parts: { submit: HTMLButtonElement; refusal: ReturnType<typeof refusalBox>; status: HTMLElement }, action: () => Promise<void>): (e: Event) => void {
  return asyncHandler(async (e: Event) => {
    e.preventDefault();
    parts.refusal.clear();
    parts.status.textContent = '';
    parts.submit.disabled = true;
    try {
      await action();
    } catch (err) {
      parts.refusal.show(err);
    } finally {
      parts.submit.disabled = false;
    }
  });
}

function refusalBox(id: string): { el: HTMLElement; show(e: unknown): void; clear(): void } {
  const el = h('div', { id, class: 'refusal', role: 'alert', 'aria-live': 'assertive', hidden: true });
  return {
    el,
    show(e: unknown) {
      el.hidden = false;
      if (e instanceof ApiError) clear(el, h('strong', {}, e.problem.title ?? `HTTP ${e.status}`), e.problem.detail ? h('span', {}, ` — ${e.problem.detail}`) : null);
      else clear(el, h('strong', {}, 'Request failed'), h('span', {}, ` — ${(e as Error).message}`));
    },
    clear() {
      el.hidden = true;
      clear(el);
    },
  };
}

function field(id: string, label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('small', { id: `${id}-hint` }, hint) : null);
}

// ---------------------------------------------------------------------------------------- home

function accountRow(a: Account): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-account': a.accountId },
    h('td', {}, h('a', { href: `#/accounts/${a.accountId}` }, a.accountId.slice(0, 8) + '…'), h('span', { class: 'visually-hidden' }, a.accountId)),
    h('td', { class: 'num' }, a.balance),
    h('td', {}, a.currency),
    h('td', {}, a.status),
    h('td', { class: 'num' }, a.version),
    h('td', {}, fmtTime(a.updatedAt)),
  );
}

function openAccountForm(): HTMLElement {
  const refusal = refusalBox('open-refusal');
  const done = h('p', { id: 'open-result', role: 'status', 'aria-live': 'polite' });
  const balance = h('input', { id: 'open-balance', name: 'initialBalance', inputmode: 'decimal', required: true, value: '100.00', autocomplete: 'off' });
  const currency = h('input', {
    id: 'open-currency',
    name: 'currency',
    required: true,
    value: 'MAD',
    maxlength: 3,
    size: 4,
    autocomplete: 'off',
    'aria-describedby': 'open-currency-hint',
  });
  const submit = h('button', { type: 'submit' }, 'Open account');
  const form = h(
    'form',
    {
      'aria-labelledby': 'open-title',
      onsubmit: submitHandler({ submit, refusal, status: done }, async () => {
        const r = await api<{ accountId: string; version: number }>(`${commands}/accounts`, {
          body: { initialBalance: balance.value.trim(), currency: currency.value.trim().toUpperCase() },
          headers: { 'idempotency-key': crypto.randomUUID() },
        });
        done.textContent = `Account ${r.accountId} opened; loading it…`;
        // Read-your-writes: the query side answers once it has projected the new account.
        await api(`${queries}/accounts/${r.accountId}?minVersion=${r.version}`).catch(() => undefined);
        location.hash = `#/accounts/${r.accountId}`;
      }),
    },
    field('open-balance', 'Initial balance', balance),
    field('open-currency', 'Currency', currency, 'ISO 4217 code, e.g. MAD, EUR, JPY'),
    submit,
  );
  return h('section', { class: 'card' }, h('h2', { id: 'open-title' }, 'Open an account'), form, refusal.el, done);
}

function accountsList(): HTMLElement {
  const state: { currency: string; status: string; cursor: string | null } = { currency: '', status: '', cursor: null };
  const tbody = h('tbody', { id: 'accounts-body' });
  const status = h('p', { role: 'status', 'aria-live': 'polite', class: 'muted' });
  const refusal = refusalBox('accounts-refusal');
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const currency = h('input', { id: 'filter-currency', name: 'currency', maxlength: 3, size: 4, placeholder: 'any', autocomplete: 'off' });
  const statusSel = h(
    'select',
    { id: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'Any'),
    h('option', { value: 'ACTIVATED' }, 'Activated'),
    h('option', { value: 'SUSPENDED' }, 'Suspended'),
    h('option', { value: 'CLOSED' }, 'Closed'),
    h('option', { value: 'CREATED' }, 'Created'),
  );

  const matches = (a: Account) => (!state.currency || a.currency === state.currency) && (!state.status || a.status === state.status);
  const load = async (append: boolean) => {
    refusal.clear();
    const qs = new URLSearchParams({ limit: '25' });
    if (state.currency) qs.set('currency', state.currency);
    if (state.status) qs.set('status', state.status);
    if (append && state.cursor) qs.set('cursor', state.cursor);
    try {
      const page = await api<{ items: Account[]; nextCursor: string | null }>(`${queries}/accounts?${qs}`);
      if (!append) clear(tbody);
      for (const a of page.items) tbody.append(accountRow(a));
      state.cursor = page.nextCursor;
      more.hidden = !page.nextCursor;
      status.textContent = tbody.children.length === 0 ? 'No accounts match.' : `${tbody.children.length} account(s) shown.`;
    } catch (err) {
      refusal.show(err);
    }
  };
  more.addEventListener('click', () => void load(true));
  const filters = h(
    'form',
    {
      class: 'filters',
      'aria-label': 'Filter accounts',
      onsubmit: (e: Event) => {
        e.preventDefault();
        state.currency = currency.value.trim().toUpperCase();
        state.status = statusSel.value;
        state.cursor = null;
        void load(false);
      },
    },
    field('filter-currency', 'Currency', currency),
    field('filter-status', 'Status', statusSel),
    h('button', { type: 'submit' }, 'Apply filters'),
  );
  void load(false);

  // Live: a changed account replaces its row, a new one that matches the filters is added.
  const feed = subscribe(
    `${queries}/live`,
    (a) => {
      const row = tbody.querySelector<HTMLTableRowElement>(`tr[data-account="${CSS.escape(a.accountId)}"]`);
      if (row) {
        if (matches(a)) row.replaceWith(accountRow(a));
        else row.remove();
      } else if (matches(a)) {
        tbody.prepend(accountRow(a));
        status.textContent = `${tbody.children.length} account(s) shown.`;
      }
    },
    setLive,
  );
  cleanup.push(() => feed.close());

  const table = h(
    'table',
    { 'aria-labelledby': 'accounts-title' },
    h('thead', {}, h('tr', {}, ...['Account', 'Balance', 'Currency', 'Status', 'Version', 'Updated'].map((c) => h('th', { scope: 'col' }, c)))),
    tbody,
  );
  return h('section', { class: 'card wide' }, h('h2', { id: 'accounts-title' }, 'Accounts'), filters, refusal.el, h('div', { class: 'table-wrap' }, table), more, status);
}

function projectionsPanel(): HTMLElement {
  const dl = h('dl', { class: 'facts', id: 'projection-facts' });
  const progress = h('progress', { id: 'rebuild-progress', max: 1, value: 0, 'aria-describedby': 'rebuild-text' });
  const text = h('p', { id: 'rebuild-text', role: 'status', 'aria-live': 'polite' }, 'No rebuild running.');
  const refusal = refusalBox('rebuild-refusal');
  const button = h('button', { type: 'button', id: 'rebuild' }, 'Rebuild projections');
  const fact = (k: string, v: string | number) => [h('dt', {}, k), h('dd', {}, String(v))];
  let lastState = '';
  const refresh = async () => {
    try {
      const s = await api<ProjectionStatus>(`${queries}/admin/projections`);
      clear(
        dl,
        ...fact('Generation', s.generation),
        ...fact('Accounts', s.counts.accounts),
        ...fact('Operations', s.counts.operations),
        ...fact('Pulls in flight', s.lag.pullsInFlight),
        ...fact('Last applied', fmtTime(s.lag.lastAppliedAt)),
        ...fact('Lag of last apply', s.lag.lastApplyLagSeconds === null ? '—' : `${s.lag.lastApplyLagSeconds.toFixed(2)} s`),
      );
      const r = s.rebuild;
      if (r && r.state !== 'done' && r.state !== 'failed') {
        const total = Math.max(r.streamsSeen, s.counts.accounts, 1);
        progress.max = total;
        progress.value = Math.min(r.streamsDone, total);
        text.textContent = `Rebuild ${r.id}: ${r.state}, ${r.streamsDone} of ${r.streamsSeen} streams, ${r.eventsApplied} events`;
        button.disabled = true;
      } else {
        button.disabled = false;
        progress.max = 1;
        progress.value = r?.state === 'done' ? 1 : 0;
        const t = r ? `Rebuild ${r.id} ${r.state}${r.error ? `: ${r.error}` : ''} (${r.streamsDone} streams, ${r.eventsApplied} events).` : 'No rebuild running.';
        if (t !== lastState) text.textContent = t;
        lastState = t;
      }
    } catch (err) {
      refusal.show(err);
    }
  };
  button.addEventListener(
    'click',
    asyncHandler(async () => {
      refusal.clear();
      button.disabled = true;
      try {
        await api(`${queries}/admin/projections/rebuild`, { method: 'POST' });
        text.textContent = 'Rebuild started.';
      } catch (err) {
        refusal.show(err);
      }
      await refresh();
    }),
  );
  void refresh();
  const timer = window.setInterval(() => void refresh(), 2000);
  cleanup.push(() => window.clearInterval(timer));
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, 'Projections'),
    dl,
    h('div', { class: 'field' }, h('label', { for: 'rebuild-progress' }, 'Rebuild progress'), progress),
    text,
    button,
    refusal.el,
  );
}

function home(): void {
  document.title = 'Accounts — Bank dashboard';
  // The projections panel's endpoints are for administrators only.
  clear(
    main,
    h('div', { class: 'grid' }, accountsList(), h('div', { class: 'side' }, openAccountForm(), signedIn === null || signedIn?.roles.includes('admin') ? projectionsPanel() : null)),
  );
}

// ------------------------------------------------------------------------------------- account

function describeEvent(e: StoredEvent): string {
  const d = e.data;
  switch (e.type) {
    case 'AccountCreated':
      return `opened with ${String(d.initialBalance)} ${String(d.currency)}`;
    case 'AccountActivated':
      return 'activated';
    case 'AccountCredited':
      return `credited ${String(d.amount)}${typeof d.description === 'string' ? ` (${d.description})` : ''}`;
    case 'AccountDebited':
      return `debited ${String(d.amount)}${typeof d.description === 'string' ? ` (${d.description})` : ''}`;
    case 'TransferDeclined':
      return `transfer of ${String(d.amount)} declined (${String(d.reason)})`;
    case 'TransferCreditRefused':
      return `incoming transfer of ${String(d.amount)} refused (${String(d.reason)})`;
    case 'TransferRefunded':
      return `refunded ${String(d.amount)}: the transfer failed (${String(d.reason)})`;
    case 'TransferCompleted':
      return `transfer ${String(d.transferId).slice(0, 8)}… completed`;
    default:
      return JSON.stringify(d);
  }
}

function accountPage(id: string): void {
  document.title = 'Account — Bank dashboard';
  let account: Account | undefined;
  let events: StoredEvent[] = [];
  const balance = h('p', { id: 'balance', class: 'balance', 'aria-live': 'polite', 'aria-atomic': 'true' }, '…');
  const meta = h('p', { id: 'account-meta', class: 'muted' });
  const opsBody = h('tbody', { id: 'operations-body' });
  const timeline = h('ol', { id: 'timeline', class: 'timeline' });
  const notFound = refusalBox('account-refusal');
  const chart = balanceChart();
  cleanup.push(() => chart.destroy());
  const transfersBody = h('tbody', { id: 'transfers-body' });
  const renderTransfers = (items: readonly Transfer[]) => {
    clear(
      transfersBody,
      ...items.map((t) => {
        const outgoing = t.fromAccountId === id;
        const other = outgoing ? t.toAccountId : t.fromAccountId;
        return h(
          'tr',
          { 'data-transfer': t.transferId },
          h('td', {}, outgoing ? 'Out' : 'In'),
          h('td', {}, h('a', { href: `#/accounts/${other}` }, `${other.slice(0, 8)}…`)),
          h('td', { class: 'num' }, `${t.amount} ${t.currency}`),
          h('td', { class: `status status-${t.status}` }, t.status),
          h('td', {}, t.reason ?? ''),
          h('td', {}, fmtTime(t.requestedAt)),
        );
      }),
    );
    if (items.length === 0) transfersBody.append(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No transfers yet.')));
  };

  // A transfer out: asked for, then followed until it is COMPLETED or FAILED.
  const transferForm = () => {
    const refusal = refusalBox('transfer-refusal');
    const progress = h('p', { id: 'transfer-status', role: 'status', 'aria-live': 'polite' });
    const target = h('input', { id: 'transfer-to', name: 'toAccountId', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'account id (UUID)' });
    const amount = h('input', { id: 'transfer-amount', name: 'amount', inputmode: 'decimal', required: true, autocomplete: 'off' });
    const description = h('input', { id: 'transfer-description', name: 'description', maxlength: 140, autocomplete: 'off' });
    const submit = h('button', { type: 'submit', id: 'transfer-submit' }, 'Send transfer');
    let following = 0;
    const follow = async (transferId: string) => {
      const mine = ++following;
      for (let i = 0; i < 120 && mine === following; i++) {
        const t = await api<Transfer>(`${queries}/transfers/${transferId}`).catch(() => undefined);
        if (t && t.status !== 'PENDING') {
          progress.dataset.status = t.status;
          progress.textContent = `Transfer ${transferId.slice(0, 8)}…: ${t.status}${t.reason ? ` (${t.reason}${t.detail ? `: ${t.detail}` : ''})` : ''}.`;
          announce(`Transfer ${t.status.toLowerCase()}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    const form = h(
      'form',
      {
        'aria-labelledby': 'transfer-title',
        onsubmit: submitHandler({ submit, refusal, status: progress }, async () => {
          const r = await api<{ transferId: string; status: string }>(`${commands}/transfers`, {
            body: {
              fromAccountId: id,
              toAccountId: target.value.trim(),
              amount: amount.value.trim(),
              currency: account?.currency ?? '',
              ...(description.value.trim() ? { description: description.value.trim() } : {}),
            },
            headers: { 'idempotency-key': crypto.randomUUID() },
          });
          progress.dataset.status = r.status;
          progress.textContent = `Transfer ${r.transferId.slice(0, 8)}…: ${r.status}.`;
          amount.value = '';
          description.value = '';
          void follow(r.transferId);
        }),
      },
      field('transfer-to', 'To account', target),
      field('transfer-amount', 'Amount', amount),
      field('transfer-description', 'Description (optional)', description),
      submit,
    );
    return h('section', { class: 'card' }, h('h3', { id: 'transfer-title' }, 'Send money'), form, refusal.el, progress);
  };

  const renderAccount = (a: Account) => {
    account = a;
    clear(balance, h('span', { class: 'visually-hidden' }, 'Balance: '), `${a.balance} ${a.currency}`);
    meta.textContent = `${a.status} · version ${a.version} · updated ${fmtTime(a.updatedAt)}`;
    balance.dataset.version = String(a.version);
  };
  const loadDetails = async () => {
    try {
      const [ops, page, transfers] = await Promise.all([
        api<{ items: Operation[] }>(`${queries}/accounts/${id}/operations?limit=100`),
        api<{ events: StoredEvent[] }>(`${commands}/accounts/${id}/events?limit=1000`),
        api<{ items: Transfer[] }>(`${queries}/accounts/${id}/transfers?limit=20`),
      ]);
      clear(
        opsBody,
        ...ops.items.map((o) =>
          h(
            'tr',
            {},
            h('td', {}, o.type === 'CREDIT' ? 'Credit' : 'Debit'),
            h('td', { class: 'num' }, o.amount),
            h('td', { class: 'num' }, o.balanceAfter),
            h('td', {}, o.description ?? ''),
            h('td', {}, o.counterpartyAccountId ? h('a', { href: `#/accounts/${o.counterpartyAccountId}` }, `${o.counterpartyAccountId.slice(0, 8)}…`) : ''),
            h('td', {}, fmtTime(o.occurredAt)),
            h('td', { class: 'num' }, o.version),
          ),
        ),
      );
      if (ops.items.length === 0) opsBody.append(h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No operations yet.')));
      events = page.events;
      if (account) chart.show(events, account.currency);
      renderTransfers(transfers.items);
      clear(
        timeline,
        ...events.map((e) =>
          h(
            'li',
            { 'data-version': e.version },
            h('time', { datetime: e.occurredAt }, fmtTime(e.occurredAt)),
            h('span', { class: `tag tag-${e.type}` }, e.type),
            h('span', {}, ` v${e.version}: ${describeEvent(e)}`),
            e.actor ? h('span', { class: 'muted' }, ` — by ${e.actor}`) : null,
          ),
        ),
      );
      updateSlider();
    } catch (err) {
      notFound.show(err);
    }
  };

  // Moves: credit and debit.
  const moveForm = (kind: 'credit' | 'debit') => {
    const refusal = refusalBox(`${kind}-refusal`);
    const ok = h('p', { id: `${kind}-result`, role: 'status', 'aria-live': 'polite', class: 'ok' });
    const amount = h('input', { id: `${kind}-amount`, name: 'amount', inputmode: 'decimal', required: true, autocomplete: 'off' });
    const description = h('input', { id: `${kind}-description`, name: 'description', maxlength: 140, autocomplete: 'off' });
    const submit = h('button', { type: 'submit', id: `${kind}-submit` }, kind === 'credit' ? 'Credit' : 'Debit');
    const form = h(
      'form',
      {
        'aria-labelledby': `${kind}-title`,
        onsubmit: submitHandler({ submit, refusal, status: ok }, async () => {
          const r = await api<{ version: number }>(`${commands}/accounts/${id}/${kind}`, {
            body: { amount: amount.value.trim(), currency: account?.currency ?? '', ...(description.value.trim() ? { description: description.value.trim() } : {}) },
            headers: { 'idempotency-key': crypto.randomUUID() },
          });
          ok.textContent = `${kind === 'credit' ? 'Credited' : 'Debited'} ${amount.value.trim()} (version ${r.version}).`;
          amount.value = '';
          description.value = '';
        }),
      },
      field(`${kind}-amount`, 'Amount', amount),
      field(`${kind}-description`, 'Description (optional)', description),
      submit,
    );
    return h('section', { class: 'card' }, h('h3', { id: `${kind}-title` }, kind === 'credit' ? 'Credit' : 'Debit'), form, refusal.el, ok);
  };

  // Lifecycle: suspend, reactivate, close (each refusal shown with its problem's title and detail).
  const lifecycleCard = () => {
    const refusal = refusalBox('lifecycle-refusal');
    const done = h('p', { id: 'lifecycle-result', role: 'status', 'aria-live': 'polite', class: 'ok' });
    const buttons = (
      [
        ['suspend', 'Suspend', 'Suspended'],
        ['reactivate', 'Reactivate', 'Reactivated'],
        ['close', 'Close account', 'Closed'],
      ] as const
    ).map(([action, label, past]) => {
      const button = h('button', { type: 'button', id: `${action}-account` }, label);
      button.addEventListener(
        'click',
        submitHandler({ submit: button, refusal, status: done }, async () => {
          if (action === 'close' && !confirm('Close this account for good? Only an account with a zero balance can be closed.')) return;
          const r = await api<{ version: number }>(`${commands}/accounts/${id}/${action}`, { method: 'POST', headers: { 'idempotency-key': crypto.randomUUID() } });
          done.textContent = `${past} (version ${r.version}).`;
        }),
      );
      return button;
    });
    return h('section', { class: 'card' }, h('h3', {}, 'Account status'), h('div', { class: 'actions' }, ...buttons), refusal.el, done);
  };

  // Time travel: a slider over the account's events, and a date-time picker for any moment.
  const slider = h('input', { id: 'moment-slider', type: 'range', min: 1, max: 1, step: 1, value: 1, 'aria-describedby': 'moment-value' });
  const picker = h('input', { id: 'moment-picker', type: 'datetime-local', step: 1 });
  const momentValue = h('output', { id: 'moment-value', for: 'moment-slider' }, '—');
  const past = h('p', { id: 'past-state', class: 'past', 'aria-live': 'polite', 'aria-atomic': 'true' }, 'Pick a moment to see the account as it was.');
  const pastRefusal = refusalBox('past-refusal');
  let followLatest = true;
  let seq = 0;
  const showAt = async (atMs: number) => {
    const mine = ++seq;
    pastRefusal.clear();
    const at = new Date(atMs).toISOString();
    momentValue.textContent = fmtTime(at);
    chart.mark(atMs);
    try {
      const s = await api<StateAt>(`${commands}/accounts/${id}/state?at=${encodeURIComponent(at)}`);
      if (mine !== seq) return;
      clear(
        past,
        'At ',
        h('time', { datetime: at }, fmtTime(at)),
        ': balance ',
        h('strong', { id: 'past-balance' }, `${s.balance} ${s.currency}`),
        ` (${s.status}, version ${s.version})`,
      );
    } catch (err) {
      if (mine !== seq) return;
      past.textContent = '';
      pastRefusal.show(err);
    }
  };
  function updateSlider(): void {
    if (events.length === 0) return;
    slider.max = String(events.length);
    slider.setAttribute('aria-valuetext', '');
    if (followLatest) slider.value = String(events.length);
    const e = events[Number(slider.value) - 1];
    if (e) {
      slider.setAttribute('aria-valuetext', `event ${e.version}, ${e.type}, ${fmtTime(e.occurredAt)}`);
      if (followLatest) void showAt(Date.parse(e.occurredAt));
    }
  }
  slider.addEventListener('input', () => {
    const e = events[Number(slider.value) - 1];
    followLatest = Number(slider.value) === events.length;
    if (!e) return;
    slider.setAttribute('aria-valuetext', `event ${e.version}, ${e.type}, ${fmtTime(e.occurredAt)}`);
    picker.value = toLocalInput(Date.parse(e.occurredAt) + 999);
    void showAt(Date.parse(e.occurredAt));
  });
  picker.addEventListener('change', () => {
    const ms = new Date(picker.value).getTime();
    if (Number.isNaN(ms)) return;
    followLatest = false;
    void showAt(ms);
  });

  const feed: LiveFeed = subscribe(
    `${queries}/accounts/${id}/live`,
    (a) => {
      const changed = !account || a.version !== account.version;
      renderAccount(a);
      if (changed) {
        announce(`Balance is now ${a.balance} ${a.currency}`);
        void loadDetails();
      }
    },
    setLive,
  );
  cleanup.push(() => feed.close());

  clear(
    main,
    h('p', {}, h('a', { href: '#/' }, '← All accounts')),
    h('h2', { id: 'account-title' }, 'Account ', h('code', {}, id)),
    notFound.el,
    h(
      'div',
      { class: 'grid' },
      h(
        'div',
        { class: 'wide' },
        h('section', { class: 'card' }, h('h3', {}, 'Balance'), balance, meta, chart.element),
        h(
          'section',
          { class: 'card' },
          h('h3', { id: 'travel-title' }, 'Time travel'),
          field('moment-slider', 'Moment (by event)', slider),
          h('p', { class: 'muted' }, 'Selected: ', momentValue),
          field('moment-picker', 'Or pick a date and time', picker),
          past,
          pastRefusal.el,
        ),
        h(
          'section',
          { class: 'card' },
          h('h3', { id: 'ops-title' }, 'Operations'),
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { 'aria-labelledby': 'ops-title' },
              h('thead', {}, h('tr', {}, ...['Type', 'Amount', 'Balance after', 'Description', 'Counterparty', 'When', 'Version'].map((c) => h('th', { scope: 'col' }, c)))),
              opsBody,
            ),
          ),
        ),
        h(
          'section',
          { class: 'card' },
          h('h3', { id: 'transfers-title' }, 'Transfers'),
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { 'aria-labelledby': 'transfers-title' },
              h('thead', {}, h('tr', {}, ...['Direction', 'Counterparty', 'Amount', 'Status', 'Reason', 'Requested'].map((c) => h('th', { scope: 'col' }, c)))),
              transfersBody,
            ),
          ),
        ),
        h('section', { class: 'card' }, h('h3', {}, 'Event history'), timeline),
      ),
      h('div', { class: 'side' }, transferForm(), moveForm('credit'), moveForm('debit'), lifecycleCard()),
    ),
  );

  void api<Account>(`${queries}/accounts/${id}`).then(
    (a) => {
      if (!account || a.version > account.version) renderAccount(a);
      void loadDetails();
    },
    (err: unknown) => notFound.show(err),
  );
}

// -------------------------------------------------------------------------------- API reference

/** Swagger UI is large: it is loaded the first time the page is shown. */
function apiReferencePage(): void {
  clear(main, h('p', {}, 'Loading the API reference…'));
  import('./api-reference.js').then(
    (reference) => {
      if (location.hash === '#/api') reference.showApiReference(main);
    },
    (err: unknown) => clear(main, h('p', { class: 'refusal', role: 'alert' }, `The API reference did not load: ${(err as Error).message}`)),
  );
}

// -------------------------------------------------------------------------------------- router

function route(): void {
  for (const c of cleanup) c();
  cleanup = [];
  const m = /^#\/accounts\/([A-Za-z0-9-]+)$/.exec(location.hash);
  if (m) accountPage(m[1]!);
  else if (location.hash === '#/api') apiReferencePage();
  else home();
  main.focus({ preventScroll: true });
}

let signedIn: SignedIn | undefined;

/** Who is signed in, and the sign-out button, in the page's header (sign-in off: said so). */
function showUser(who: SignedIn): void {
  if (who === null) {
    document.getElementById('user')?.replaceChildren(h('span', { id: 'user-name' }, 'Sign-in is off'));
    return;
  }
  const button = h('button', { type: 'button', id: 'sign-out' }, 'Sign out');
  button.addEventListener(
    'click',
    asyncHandler(() => signOut()),
  );
  const role = who.roles.includes('admin') ? 'administrator' : 'customer';
  document.getElementById('user')?.replaceChildren(h('span', { id: 'user-name' }, `Signed in as ${who.username} (${role})`), ' ', button);
}

void signInIfNeeded().then(
  (who) => {
    signedIn = who;
    showUser(who);
    window.addEventListener('hashchange', route);
    route();
  },
  (err: unknown) => clear(main, h('p', { class: 'refusal', role: 'alert' }, `Sign-in failed: ${(err as Error).message}`)),
);
