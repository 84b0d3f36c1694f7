// Builds the console and explorer into dist/ as static files (relative asset paths, so any
// server can host them under any prefix). The coordinator and the chain node serve dist/ at /.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 300 },
});
