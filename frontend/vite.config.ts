/// <reference types="vitest/config" />
import { resolve } from 'node:path';
import { build, defineConfig, type Plugin, type ProxyOptions } from 'vite';
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

/**
 * The push service worker, built after the app into `dist/sw.js`: at the site root (its scope is
 * the folder it is served from), under a fixed name (its URL must not change), and as one
 * classic script with its imports inlined (module service workers are not everywhere yet), so
 * it is a build of its own rather than an entry of the app's, which would share chunks.
 */
function serviceWorker(): Plugin {
  let root = process.cwd();
  let outDir = 'dist';
  return {
    name: 'gochat-service-worker',
    apply: 'build',
    configResolved(config) {
      root = config.root;
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      await build({
        configFile: false,
        root,
        logLevel: 'warn',
        build: {
          outDir,
          emptyOutDir: false,
          copyPublicDir: false,
          rolldownOptions: {
            input: resolve(root, 'src/features/push/sw.ts'),
            output: { format: 'iife', entryFileNames: 'sw.js' },
          },
        },
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), serviceWorker()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
  },
  server: {
    fs: {
      // Beyond the frontend, only the public documents (docs/): a unit test pins the frontend's
      // copies of server rules to the OpenAPI document.
      allow: ['.', '../docs'],
    },
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
    // As nextest and Playwright do here: a test that fails once on a loaded machine (jsdom's
    // renders are CPU-bound, and the app renders in slices that yield) runs once more, and the
    // report names it; one failing twice fails the run.
    retry: 1,
  },
});
