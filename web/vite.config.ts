import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The console is built into web/dist, which every API process serves at `/`. `npm run web:dev`
 * serves it with hot reload and passes `/api` to a running API (MIGRATOR_API_URL, by default
 * `npm run dev`'s http://127.0.0.1:8080), so the session cookie stays same-origin.
 */
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    port: 5173,
    proxy: { '/api': { target: process.env.MIGRATOR_API_URL ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
