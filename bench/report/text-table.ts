export type TableStyle = 'text' | 'markdown';

/** Renders rows of cells as an aligned text table (console) or a Markdown table (docs); numbers align right. */
export function renderTable(header: string[], rows: string[][], style: TableStyle): string {
  const right = header.map((_, c) => rows.length > 0 && rows.every((r) => /^[-+\d.,×%/ ]*[\d-]/.test(r[c] ?? '') || r[c] === ''));
  if (style === 'markdown') {
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    return [line(header), line(header.map((_, c) => (right[c] ? '---:' : '---'))), ...rows.map(line)].join('\n');
  }
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, c) => (right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
