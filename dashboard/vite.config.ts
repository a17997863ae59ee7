// Builds the dashboard into dist/dashboard/: static files `parley serve` serves at `/`.
import preact from '@preact/preset-vite'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  root: here,
  // Relative asset URLs: the files work wherever the server mounts them.
  base: './',
  plugins: [preact()],
  // `npx vite --config dashboard/vite.config.ts` while `parley serve` runs: the API is proxied, so the page's origin works.
  server: { proxy: { '/v1': { target: process.env.PARLEY_URL ?? 'http://127.0.0.1:8787', ws: true } } },
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 400,
  },
})
