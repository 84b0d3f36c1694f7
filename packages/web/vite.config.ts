// Builds the console and explorer into dist/ as static files (relative asset paths, so any
// server can host them under any prefix). The coordinator and the chain node serve dist/ at /.
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  base: './',
  // The workspace's packages from their TypeScript sources (their built files need not exist yet).
  resolve: { conditions: ['@aitbc/source', ...defaultClientConditions] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 300 },
});
