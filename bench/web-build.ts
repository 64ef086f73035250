/**
 * Shared by the web benchmarks: a production build of the SPA (vite build, the repo's web/vite.config.mts) into
 * a temp folder with its manifest, and what the board route loads before it can render, read from that manifest.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export interface ManifestChunk {
  file: string;
  src?: string;
  name?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}
export type Manifest = Record<string, ManifestChunk>;

export interface WebBuild {
  outDir: string;
  manifest: Manifest;
  seconds: number;
  remove(): void;
}

/** `vite build` of web/ into a fresh temp folder, with `.vite/manifest.json`, no source maps. */
export async function buildWeb(root: string): Promise<WebBuild> {
  const { build } = await import('vite');
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'teamflow-web-build-'));
  const started = performance.now();
  await build({
    configFile: path.join(root, 'web', 'vite.config.mts'),
    root: path.join(root, 'web'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, manifest: true, sourcemap: false },
  });
  const manifest = JSON.parse(
    fs.readFileSync(path.join(outDir, '.vite', 'manifest.json'), 'utf8'),
  ) as Manifest;
  return {
    outDir,
    manifest,
    seconds: (performance.now() - started) / 1000,
    remove: () => fs.rmSync(outDir, { recursive: true, force: true }),
  };
}

/** A chunk and every chunk it imports statically, transitively (what the browser fetches with it). */
export function staticClosure(manifest: Manifest, keys: string[]): string[] {
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key) || !manifest[key]) return;
    seen.add(key);
    for (const next of manifest[key].imports ?? []) visit(next);
  };
  keys.forEach(visit);
  return [...seen];
}

/**
 * The manifest keys the board route (/p/:KEY) loads before it shows cards: the entry (index.html) with its
 * static imports, plus the route chunks the entry loads lazily whose source path matches `routePattern` (by
 * default /board/i: src/board/BoardPage.tsx), with their static imports. Chunks those load lazily in turn (a
 * dialog, another view) are not counted.
 */
export function boardRouteChunks(manifest: Manifest, routePattern: RegExp) {
  const entryKeys = Object.keys(manifest).filter((key) => manifest[key]!.isEntry);
  const initial = staticClosure(manifest, entryKeys);
  const routeKeys = [...new Set(initial.flatMap((key) => manifest[key]!.dynamicImports ?? []))].filter(
    (key) => routePattern.test(manifest[key]?.src ?? key),
  );
  return { entryKeys, routeKeys, keys: staticClosure(manifest, [...entryKeys, ...routeKeys]) };
}

export const gzipBytes = (content: Buffer | string) => gzipSync(content, { level: 9 }).length;

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
