// Renders the bench result as a small SVG bar chart (no dependency): burst times against the host API's
// own limit, and, when a scale-out run was made, sync throughput by worker processes.
export interface ChartBar {
  label: string;
  value: number;
  color: string;
}

export interface ChartGroup {
  title: string;
  unit: string;
  bars: ChartBar[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bars, one panel per group, each scaled to its own largest value. */
export function renderBarChart(title: string, groups: readonly ChartGroup[]): string {
  const width = 720;
  const labelW = 230;
  const barH = 22;
  const gap = 8;
  const plotW = width - labelW - 90;
  let y = 40;
  const parts: string[] = [];
  for (const g of groups) {
    parts.push(`<text x="16" y="${y}" font-size="14" font-weight="bold">${esc(g.title)}</text>`);
    y += 12;
    const max = Math.max(...g.bars.map((b) => b.value), 1e-9);
    for (const b of g.bars) {
      const w = Math.max(1, Math.round((b.value / max) * plotW));
      parts.push(
        `<text x="${labelW - 8}" y="${y + barH * 0.7}" font-size="12" text-anchor="end">${esc(b.label)}</text>`,
        `<rect x="${labelW}" y="${y}" width="${w}" height="${barH}" fill="${b.color}" rx="2"/>`,
        `<text x="${labelW + w + 6}" y="${y + barH * 0.7}" font-size="12">${esc(`${b.value} ${g.unit}`)}</text>`,
      );
      y += barH + gap;
    }
    y += 24;
  }
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="16" y="22" font-size="16" font-weight="bold">${esc(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
