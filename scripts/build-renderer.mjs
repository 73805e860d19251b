// The renderer with Vite, into `outDir` (out/renderer for the app and `buzon serve`; a temporary
// folder for the browser tests). Shared by scripts/build.mjs and test/e2e/web-ui.test.ts.
import { build as viteBuild } from 'vite';
import { fileURLToPath } from 'node:url';

export async function buildRenderer(outDir) {
  await viteBuild({
    root: fileURLToPath(new URL('../src-renderer', import.meta.url)),
    base: './',
    logLevel: 'warn',
    esbuild: { jsx: 'automatic' },
    build: {
      outDir,
      emptyOutDir: true,
      sourcemap: true,
      rollupOptions: {
        // Mantine marks its modules "use client" for React Server Components; meaningless here.
        onwarn(w, warn) {
          if (w.code !== 'MODULE_LEVEL_DIRECTIVE' && w.code !== 'SOURCEMAP_ERROR') warn(w);
        },
      },
    },
  });
}
