// A dependency-free SVG line chart: stacked panels sharing the x axis (seconds), each with
// its own y axis and a legend. Enough for throughput / latency / backlog over time.

export type Series = { name: string; color: string; points: [number, number | null][]; dashed?: boolean };
export type Panel = { title: string; unit: string; series: Series[]; logY?: boolean };

const WIDTH = 960;
const PANEL_HEIGHT = 220;
const MARGIN = { left: 70, right: 170, top: 30, bottom: 30 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

function niceStep(range: number, ticks: number): number {
  const raw = range / Math.max(1, ticks);
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  const scaled = raw / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

function formatTick(value: number): string {
  if (Math.abs(value) >= 10_000) return `${Math.round(value / 1000)}k`;
  if (Math.abs(value) >= 1000) return `${(value / 1000).toFixed(1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** Renders the panels one under the other; the x axis is seconds from the run's start. */
export function renderChart(title: string, panels: Panel[]): string {
  const height = MARGIN.top + panels.length * (PANEL_HEIGHT + MARGIN.bottom) + 10;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const allX = panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x)));
  const xMax = Math.max(1, ...allX);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  panels.forEach((panel, index) => {
    const top = MARGIN.top + index * (PANEL_HEIGHT + MARGIN.bottom);
    const ys = panel.series.flatMap((s) => s.points.map(([, y]) => y)).filter((y): y is number => y !== null);
    const positive = ys.filter((y) => y > 0);
    const log = panel.logY === true && positive.length > 0;
    const yMinLog = log ? 10 ** Math.floor(Math.log10(Math.min(...positive))) : 0;
    const yMaxRaw = Math.max(1, ...ys);
    const yMax = log
      ? 10 ** Math.ceil(Math.log10(yMaxRaw))
      : Math.ceil(yMaxRaw / niceStep(yMaxRaw, 5)) * niceStep(yMaxRaw, 5);
    const sx = (x: number) => MARGIN.left + (x / xMax) * plotWidth;
    const sy = (y: number) =>
      log
        ? top +
          PANEL_HEIGHT -
          ((Math.log10(Math.max(y, yMinLog)) - Math.log10(yMinLog)) /
            (Math.log10(yMax) - Math.log10(yMinLog) || 1)) *
            PANEL_HEIGHT
        : top + PANEL_HEIGHT - (y / yMax) * PANEL_HEIGHT;
    out.push(
      `<rect x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${PANEL_HEIGHT}" fill="none" stroke="#999"/>`,
      `<text x="${MARGIN.left + 4}" y="${top + 13}" font-weight="bold">${escapeXml(panel.title)}</text>`,
      `<text transform="translate(14 ${top + PANEL_HEIGHT / 2}) rotate(-90)" text-anchor="middle">${escapeXml(panel.unit)}</text>`,
    );
    const yTicks: number[] = [];
    if (log) for (let v = yMinLog; v <= yMax * 1.0001; v *= 10) yTicks.push(v);
    else for (let v = 0, step = niceStep(yMax, 5); v <= yMax + step / 2; v += step) yTicks.push(v);
    for (const v of yTicks) {
      const y = sy(v);
      out.push(
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#eee"/>`,
        `<text x="${MARGIN.left - 4}" y="${(y + 4).toFixed(1)}" text-anchor="end">${formatTick(v)}</text>`,
      );
    }
    const xStep = niceStep(xMax, 10);
    for (let x = 0; x <= xMax; x += xStep) {
      out.push(
        `<text x="${sx(x).toFixed(1)}" y="${top + PANEL_HEIGHT + 14}" text-anchor="middle">${formatTick(x)}${x === 0 ? ' s' : ''}</text>`,
      );
    }
    panel.series.forEach((series, seriesIndex) => {
      const segments: string[] = [];
      let current: string[] = [];
      for (const [x, y] of series.points) {
        if (y === null || !Number.isFinite(y)) {
          if (current.length) segments.push(current.join(' '));
          current = [];
          continue;
        }
        current.push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
      }
      if (current.length) segments.push(current.join(' '));
      for (const segment of segments) {
        out.push(
          `<polyline fill="none" stroke="${series.color}" stroke-width="1.5"${series.dashed ? ' stroke-dasharray="5 3"' : ''} points="${segment}"/>`,
        );
      }
      const ly = top + 14 + seriesIndex * 16;
      out.push(
        `<line x1="${WIDTH - MARGIN.right + 10}" x2="${WIDTH - MARGIN.right + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
        `<text x="${WIDTH - MARGIN.right + 34}" y="${ly}">${escapeXml(series.name)}</text>`,
      );
    });
  });
  out.push('</svg>');
  return out.join('\n');
}
