// An account's balance over time, drawn with uPlot from its events (the command side's history,
// so it is exact at every version), with a marker at the moment the time-travel controls show.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { StoredEvent } from './api.js';

/** The balance after each event that moves money, as (seconds since the epoch, balance) points. */
export function balancePoints(events: readonly StoredEvent[]): { times: number[]; balances: number[] } {
  const times: number[] = [];
  const balances: number[] = [];
  let balance = 0;
  for (const event of events) {
    const amount = Number(event.data.amount ?? event.data.initialBalance ?? 0);
    if (event.type === 'AccountCreated') balance = amount;
    else if (event.type === 'AccountCredited' || event.type === 'TransferRefunded') balance += amount;
    else if (event.type === 'AccountDebited') balance -= amount;
    else continue;
    times.push(Date.parse(event.occurredAt) / 1000);
    balances.push(Math.round(balance * 1000) / 1000);
  }
  return { times, balances };
}

export interface BalanceChart {
  element: HTMLElement;
  /** Draws the account's events (again). */
  show(events: readonly StoredEvent[], currency: string): void;
  /** Moves the marker to this instant (ms), or hides it (null). */
  mark(atMs: number | null): void;
  destroy(): void;
}

export function balanceChart(): BalanceChart {
  const element = document.createElement('div');
  element.id = 'balance-chart';
  element.setAttribute('role', 'img');
  let plot: uPlot | undefined;
  let markerSeconds: number | null = null;

  const drawMarker = (u: uPlot): void => {
    if (markerSeconds === null) return;
    const x = Math.round(u.valToPos(markerSeconds, 'x', true));
    const { ctx } = u;
    ctx.save();
    ctx.strokeStyle = '#f0b84a';
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.restore();
  };

  return {
    element,
    show(events, currency) {
      const { times, balances } = balancePoints(events);
      const last = balances[balances.length - 1];
      element.setAttribute('aria-label', `Balance over time: ${times.length} points${last === undefined ? '' : `, now ${last} ${currency}`}`);
      element.dataset.points = String(times.length);
      const data: uPlot.AlignedData = [times, balances];
      if (plot) {
        plot.setData(data);
        return;
      }
      plot = new uPlot(
        {
          width: Math.max(element.clientWidth, 320),
          height: 220,
          legend: { show: false },
          scales: { x: { time: true } },
          series: [{}, { label: `Balance (${currency})`, stroke: '#1f5fbf', width: 2, fill: 'rgba(31,95,191,.08)', paths: uPlot.paths.stepped!({ align: 1 }) }],
          axes: [{}, { size: 70 }],
          hooks: { draw: [drawMarker] },
        },
        data,
        element,
      );
    },
    mark(atMs) {
      markerSeconds = atMs === null ? null : atMs / 1000;
      plot?.redraw(false, false);
    },
    destroy() {
      plot?.destroy();
      plot = undefined;
    },
  };
}
