import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The dev server's port and its /api proxy are set by the local stack (infra/local/web.ts), which knows them.
// `root` is this folder, so `vite build --config web/vite.config.mts` works from the repository root too.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
