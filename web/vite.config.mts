import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The dev server's port and its /api proxy are set by the local stack (infra/local/web.ts), which knows them.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: true },
});
