// Builds the browser app from web/ into dist/web, which the weft-ui backend serves.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'web',
  plugins: [react()],
  build: { outDir: '../dist/web', emptyOutDir: true, reportCompressedSize: true },
  // `npx vite` (development) takes its API from a weft-ui on the default port.
  server: { proxy: { '/api': 'http://127.0.0.1:20001' } },
});
