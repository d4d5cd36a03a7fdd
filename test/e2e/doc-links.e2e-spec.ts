import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { docPages, ROOT } from '../../scripts/doc-pages';

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, … */
function anchorsOf(page: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inCode = false;
  for (const line of readFileSync(page, 'utf8').split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    const heading = inCode ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const text = heading[1].replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Relative links of a page (outside code), each with where it points. */
function linksOf(page: string): { link: string; file: string; anchor: string | null }[] {
  const prose = readFileSync(page, 'utf8').replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((link) => !/^(https?:|mailto:)/.test(link))
    .map((link) => {
      const [path, anchor] = link.split('#');
      return { link, file: path ? resolve(dirname(page), path) : page, anchor: anchor ?? null };
    });
}

// The docs were reorganised (guides, reference, internals): every relative link and anchor still lands.
describe('links between the docs', () => {
  const links = docPages().flatMap((page) => linksOf(page).map((l) => ({ page: relative(ROOT, page), ...l })));

  it('finds links to check', () => {
    expect(links.length).toBeGreaterThan(100);
  });

  it.each(links.map((l) => [l.page, l.link, l]))('%s → %s', (_page, _link, { file, anchor }) => {
    expect(existsSync(file) ? relative(ROOT, file) : `missing: ${relative(ROOT, file)}`).toBe(relative(ROOT, file));
    if (anchor && file.endsWith('.md')) expect(anchorsOf(file)).toContain(anchor);
  });
});
