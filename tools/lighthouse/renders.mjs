// How much work React and Redux do during one load of each signed-in page, counted the same
// way at any machine load: React's commits (walked through a stand-in for the DevTools hook:
// components that rendered, mounts included, and host elements created or given new props) and
// the Redux actions the reducers saw, by type, until a quiet period after the load event.
// Lighthouse's mobile viewport (412 × 823), no throttling (counts do not depend on it).
//
//   node renders.mjs --base-url URL --seeded seed.json [--only PAGE,...] [--runs N] [--settle-ms MS]
//
// A measuring tool for a developer, not part of any suite.
import { readFileSync } from 'node:fs';
import * as chromeLauncher from 'chrome-launcher';
import puppeteer from 'puppeteer-core';
import { measuringArgs } from './pages.mjs';
import { reuseSeed } from './seed.mjs';

const { args, baseUrl, runs, pages } = measuringArgs(
  {
    'settle-ms': { type: 'string', default: '5000' },
  },
  'usage: node renders.mjs --base-url URL --seeded seed.json [--only PAGE,...] [--runs N] [--settle-ms MS]',
);

/** Runs in the page before its scripts: the counting hooks for React and Redux Toolkit. */
function instrument() {
  const stats = { commits: [], actions: {}, actionCount: 0, notifications: 0 };
  window.__loadStats = stats;
  // React's fiber tags (react-reconciler's ReactWorkTags).
  const COMPONENT_TAGS = new Set([0, 1, 11, 14, 15]);
  const HOST_TAGS = new Set([5, 26, 27]);
  const PERFORMED_WORK = 1;
  const nameOf = (fiber) => {
    const type = fiber.type?.type ?? fiber.type?.render ?? fiber.type;
    return type?.displayName ?? type?.name ?? '?';
  };
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers: new Map(),
    inject(renderer) {
      this.renderers.set(1, renderer);
      return 1;
    },
    checkDCE() {},
    onScheduleFiberRoot() {},
    onCommitFiberUnmount() {},
    onPostCommitFiberRoot() {},
    onCommitFiberRoot(_id, root) {
      const commit = { at: performance.now(), components: 0, mounts: 0, hostCreated: 0, hostUpdated: 0, byName: {} };
      const component = (fiber) => {
        commit.components += 1;
        const name = nameOf(fiber);
        commit.byName[name] = (commit.byName[name] ?? 0) + 1;
      };
      // A whole new subtree.
      const mount = (fiber) => {
        if (COMPONENT_TAGS.has(fiber.tag)) {
          component(fiber);
          commit.mounts += 1;
        } else if (HOST_TAGS.has(fiber.tag)) commit.hostCreated += 1;
        for (let child = fiber.child; child; child = child.sibling) mount(child);
      };
      const walk = (next, prev) => {
        if (COMPONENT_TAGS.has(next.tag) && (next.flags & PERFORMED_WORK) === PERFORMED_WORK) component(next);
        if (HOST_TAGS.has(next.tag) && next.memoizedProps !== prev.memoizedProps) commit.hostUpdated += 1;
        // The same first child: React skipped the subtree.
        if (next.child === prev.child) return;
        for (let child = next.child; child; child = child.sibling) {
          if (child.alternate) walk(child, child.alternate);
          else mount(child);
        }
      };
      const current = root.current;
      if (current.alternate) walk(current, current.alternate);
      else for (let child = current.child; child; child = child.sibling) mount(child);
      stats.commits.push(commit);
    },
  };
  // Redux Toolkit's configureStore composes its enhancers with this when it is there (the
  // Redux DevTools extension's hook): ours, innermost, sees every action the reducers get.
  window.__REDUX_DEVTOOLS_EXTENSION_COMPOSE__ = () => (...enhancers) => (createStore) => {
    const counting = (next) => (...createArgs) => {
      const store = next(...createArgs);
      return {
        ...store,
        dispatch(action) {
          stats.actionCount += 1;
          stats.actions[action.type] = (stats.actions[action.type] ?? 0) + 1;
          return store.dispatch(action);
        },
        subscribe(listener) {
          return store.subscribe(() => {
            stats.notifications += 1;
            listener();
          });
        },
      };
    };
    return [...enhancers, counting].reduceRight((made, enhancer) => enhancer(made), createStore);
  };
}

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  logLevel: 'silent',
});
const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}`, defaultViewport: null });
try {
  const seeded = await reuseSeed(baseUrl, JSON.parse(readFileSync(args.seeded, 'utf8')));
  for (const page of pages) {
    const url = new URL(page.path(seeded), baseUrl).href;
    for (let run = 1; run <= runs; run += 1) {
      const context = await browser.createBrowserContext();
      const tab = await context.newPage();
      await tab.setViewport({ width: 412, height: 823, deviceScaleFactor: 1.75, isMobile: true, hasTouch: true });
      await tab.setExtraHTTPHeaders({ Cookie: seeded.viewer.cookie });
      await tab.evaluateOnNewDocument(instrument);
      let frames = 0;
      const cdp = await tab.createCDPSession();
      await cdp.send('Network.enable');
      cdp.on('Network.webSocketFrameReceived', () => (frames += 1));
      await tab.goto(url, { waitUntil: 'load' });
      await new Promise((resolve) => setTimeout(resolve, Number(args['settle-ms'])));
      const stats = await tab.evaluate(() => window.__loadStats);
      await context.close();
      const commits = stats.commits;
      const sum = (key) => commits.reduce((total, commit) => total + commit[key], 0);
      const largest = commits.reduce((best, commit) => (commit.components > (best?.components ?? -1) ? commit : best), null);
      const byName = {};
      for (const commit of commits) for (const [name, count] of Object.entries(commit.byName)) byName[name] = (byName[name] ?? 0) + count;
      const top = (record, n) =>
        Object.entries(record)
          .sort((a, b) => b[1] - a[1])
          .slice(0, n)
          .map(([name, count]) => `${name} ${count}`)
          .join(', ');
      console.log(
        `\n${page.name} run ${run}: ${commits.length} commits; components rendered ${sum('components')} ` +
          `(${sum('mounts')} mounts); host elements created ${sum('hostCreated')}, updated ${sum('hostUpdated')}; ` +
          `largest commit ${largest?.components ?? 0} components / ${(largest?.hostCreated ?? 0) + (largest?.hostUpdated ?? 0)} elements; ` +
          `${stats.actionCount} Redux actions, ${stats.notifications} store listener calls; ${frames} socket frames received`,
      );
      console.log(`  commits (ms: components/elements): ${commits.map((c) => `${Math.round(c.at)}:${c.components}/${c.hostCreated + c.hostUpdated}`).join(' ')}`);
      console.log(`  components: ${top(byName, 14)}`);
      console.log(`  actions: ${top(stats.actions, 30)}`);
    }
  }
} finally {
  await browser.disconnect();
  await chrome.kill();
}
