/**
 * Initial JavaScript of the board route (/p/:KEY), gzip: a production build of the SPA (vite build into a temp
 * folder), then, from its manifest, the entry chunk with its static imports plus the lazily loaded chunks of the
 * board route (source path matching BENCH_BOARD_ROUTE, default /board/i) with theirs. Target: <= 150 KB gzip.
 * CSS and the chunks other routes load later are listed apart, not counted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { boardRouteChunks, buildWeb, gzipBytes, kb } from './web-build.ts';

const TARGET_BYTES = 150 * 1024;

export async function webBundle(root: string): Promise<void> {
  const built = await buildWeb(root);
  try {
    const { manifest, outDir } = built;
    const routePattern = new RegExp(process.env.BENCH_BOARD_ROUTE ?? 'board', 'i');
    const { entryKeys, routeKeys, keys } = boardRouteChunks(manifest, routePattern);
    const sizeOf = (file: string) => {
      const content = fs.readFileSync(path.join(outDir, file));
      return { raw: content.length, gzip: gzipBytes(content) };
    };
    const rows = keys
      .map((key) => ({ key, file: manifest[key]!.file, ...sizeOf(manifest[key]!.file) }))
      .filter((r) => r.file.endsWith('.js'))
      .sort((a, b) => b.gzip - a.gzip);
    const total = rows.reduce((sum, r) => sum + r.gzip, 0);
    const totalRaw = rows.reduce((sum, r) => sum + r.raw, 0);
    const css = [...new Set(keys.flatMap((k) => manifest[k]!.css ?? []))];
    const cssGzip = css.reduce((sum, f) => sum + sizeOf(f).gzip, 0);
    const allJs = Object.values(manifest)
      .map((c) => c.file)
      .filter((f, i, all) => f.endsWith('.js') && all.indexOf(f) === i);
    const allGzip = allJs.reduce((sum, f) => sum + sizeOf(f).gzip, 0);

    console.log('\n## Web bundle: initial JavaScript of the board route (gzip -9)');
    console.log(
      `vite build in ${built.seconds.toFixed(1)} s; ${allJs.length} JS chunks in all (${kb(allGzip)} gzip).`,
    );
    console.log(
      `Entry: ${entryKeys.join(', ')}; board route chunks (${routePattern}): ${routeKeys.join(', ') || 'NONE FOUND (only the entry is counted)'}`,
    );
    for (const r of rows)
      console.log(
        `  ${r.file.padEnd(48)} ${kb(r.raw).padStart(10)} raw  ${kb(r.gzip).padStart(9)} gzip  (${r.key})`,
      );
    console.log(
      `Initial JS for /p/:KEY: ${kb(total)} gzip (${kb(totalRaw)} raw) in ${rows.length} files; ` +
        `target <= ${kb(TARGET_BYTES)}: ${total <= TARGET_BYTES ? 'met' : 'NOT met'}. CSS besides: ${kb(cssGzip)} gzip.`,
    );
  } finally {
    built.remove();
  }
}
