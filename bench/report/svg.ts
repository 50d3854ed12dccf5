/** Small hand-written SVG charts: no plotting dependency for two kinds of picture. */

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Horizontal bars, one per row, each labelled with its value; a dashed line marks `target` when given. */
export function barChart(title: string, rows: { label: string; value: number; text: string }[], target?: { value: number; label: string }): string {
  const width = 760;
  const left = 330;
  const barHeight = 22;
  const top = 40;
  const height = top + rows.length * (barHeight + 8) + 30;
  const max = Math.max(...rows.map((r) => r.value), target?.value ?? 0) * 1.15 || 1;
  const x = (v: number) => left + (v / max) * (width - left - 20);
  const bars = rows
    .map((r, i) => {
      const y = top + i * (barHeight + 8);
      return `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(r.label)}</text><rect x="${left}" y="${y}" width="${Math.max(1, x(r.value) - left)}" height="${barHeight}" fill="${COLORS[i % COLORS.length]}"/><text x="${x(r.value) + 4}" y="${y + 15}">${esc(r.text)}</text>`;
    })
    .join('');
  const line = target
    ? `<line x1="${x(target.value)}" x2="${x(target.value)}" y1="${top - 8}" y2="${height - 24}" stroke="#333" stroke-dasharray="4 3"/><text x="${x(target.value) + 3}" y="${top - 10}" font-size="11">${esc(target.label)}</text>`
    : '';
  return svg(width, height, title, bars + line);
}

/** Latency distributions as cumulative curves on a log time axis (ms), one per series. */
export function latencyCdf(title: string, series: { label: string; samples: number[] }[]): string {
  const width = 760;
  const height = 360;
  const [left, right, top, bottom] = [60, 20, 40, 70];
  // Loops, not Math.min(...samples): a fan-out run has hundreds of thousands of samples.
  let min = Infinity;
  let max = 0;
  for (const s of series) {
    for (const v of s.samples) {
      if (v <= 0) continue;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  const lo = Math.log10(Math.max(0.01, min));
  const hi = Math.log10(Math.max(max, 0.02)) + 0.05;
  const x = (ms: number) => left + ((Math.log10(Math.max(ms, 0.01)) - lo) / (hi - lo)) * (width - left - right);
  const y = (q: number) => top + (1 - q) * (height - top - bottom);
  const curves = series
    .map((s, i) => {
      const sorted = [...s.samples].sort((a, b) => a - b);
      const step = Math.max(1, Math.floor(sorted.length / 300));
      const points: string[] = [];
      for (let j = 0; j < sorted.length; j += step) points.push(`${x(sorted[j]).toFixed(1)},${y((j + 1) / sorted.length).toFixed(1)}`);
      points.push(`${x(sorted[sorted.length - 1]).toFixed(1)},${y(1).toFixed(1)}`);
      const legendY = height - bottom + 50 + Math.floor(i / 2) * 16;
      const legendX = left + (i % 2) * 340;
      return `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${points.join(' ')}"/><rect x="${legendX}" y="${legendY - 9}" width="12" height="3" fill="${COLORS[i % COLORS.length]}"/><text x="${legendX + 16}" y="${legendY - 4}" font-size="11">${esc(s.label)}</text>`;
    })
    .join('');
  const ticks: string[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) < lo || Math.log10(v) > hi) continue;
      ticks.push(
        `<line x1="${x(v)}" x2="${x(v)}" y1="${top}" y2="${height - bottom}" stroke="#eee"/><text x="${x(v)}" y="${height - bottom + 14}" text-anchor="middle" font-size="10">${v < 1 ? v.toFixed(2) : v}</text>`,
      );
    }
  }
  const quantiles = [0.5, 0.9, 0.99].map(
    (q) =>
      `<line x1="${left}" x2="${width - right}" y1="${y(q)}" y2="${y(q)}" stroke="#ddd" stroke-dasharray="3 3"/><text x="${left - 4}" y="${y(q) + 4}" text-anchor="end" font-size="10">p${Math.round(q * 100)}</text>`,
  );
  const axis = `<text x="${(left + width - right) / 2}" y="${height - bottom + 28}" text-anchor="middle" font-size="11">latency, ms (log scale)</text>`;
  return svg(width, height + 14 + Math.ceil(series.length / 2) * 16, title, ticks.join('') + quantiles.join('') + curves + axis);
}

function svg(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/><text x="10" y="22" font-size="15" font-weight="bold">${esc(title)}</text>${body}</svg>\n`;
}
