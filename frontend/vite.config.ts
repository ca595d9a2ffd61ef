/// <reference types="vitest/config" />
import { defineConfig, type ProxyOptions } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Where `npm run dev` forwards `/api` and `/ws`: the nginx gateway (see /work/shared/CONTRACT.md).
 * Production builds are served by that gateway, so they call it same-origin and need no proxy.
 */
const gatewayUrl = process.env.GATEWAY_URL ?? 'http://localhost:8080';

/**
 * The backend refuses state-changing requests and WebSocket upgrades from a foreign `Origin`
 * (CSRF rule). The dev server on :5173 is foreign to the gateway, so in development only we
 * present the gateway's own origin.
 */
const gatewayProxy = (ws: boolean): ProxyOptions => ({
  target: gatewayUrl,
  changeOrigin: true,
  ws,
  configure: (proxy) => {
    proxy.on('proxyReq', (proxyReq) => {
      if (proxyReq.getHeader('origin')) proxyReq.setHeader('origin', gatewayUrl);
    });
    proxy.on('proxyReqWs', (proxyReq) => {
      if (proxyReq.getHeader('origin')) proxyReq.setHeader('origin', gatewayUrl);
    });
  },
});

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    rolldownOptions: {
      // The service worker is a second entry, written to the site root under a fixed name
      // (`/sw.js`): its scope is the folder it is served from, and its URL must not change.
      input: { index: 'index.html', sw: 'src/features/push/sw.ts' },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  server: {
    proxy: {
      '/api': gatewayProxy(false),
      '/ws': gatewayProxy(true),
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
