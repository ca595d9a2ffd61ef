// What blocks the main thread during a page's load, as Lighthouse sees it: runs Lighthouse
// (performance only, the same defaults as run.mjs) on pages of an earlier seeding and prints,
// per run, the score, TBT, LCP, and every top-level task of the observed trace that the 4x CPU
// slowdown turns into a long task (12.5 ms or more here, 50 ms or more simulated), with what
// it spent its time on. Lighthouse's TBT is a simulation over those same tasks, so a task that
// gets shorter here is blocking time cut there, at any machine load.
//
//   node longtasks.mjs --base-url URL --seeded seed.json [--only PAGE,...] [--runs N]
//                      [--profile] [--trace-dir DIR]
//
// --profile  also samples the JavaScript (V8's CPU profiler in the trace) and names, per long
//            task, the functions that took the most time: build the frontend with
//            `npx vite build --minify false` first, or the names are the minifier's. Sampling
//            slows the page down, so the timings of a --profile run are not comparable.
// --trace-dir DIR keeps each run's trace (DIR/<page>.<run>.trace.json) for DevTools.
// A measuring tool for a developer, not part of any suite.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { MainThreadTasks } from 'lighthouse/core/lib/tracehouse/main-thread-tasks.js';
import { TraceProcessor } from 'lighthouse/core/lib/tracehouse/trace-processor.js';
import { CpuProfileModel } from 'lighthouse/core/lib/tracehouse/cpu-profile-model.js';
import { measuringArgs } from './pages.mjs';
import { reuseSeed } from './seed.mjs';

/** Lighthouse's default CPU slowdown: a task of this length here is 50 ms simulated. */
const CPU_SLOWDOWN = 4;
const LONG_TASK_MS = 50 / CPU_SLOWDOWN;

const { args, baseUrl, runs, pages } = measuringArgs(
  {
    profile: { type: 'boolean', default: false },
    'trace-dir': { type: 'string' },
  },
  'usage: node longtasks.mjs --base-url URL --seeded seed.json [--only PAGE,...] [--runs N] [--profile] [--trace-dir DIR]',
);
if (args['trace-dir']) mkdirSync(args['trace-dir'], { recursive: true });

const ms = (value) => `${value.toFixed(1)} ms`;

/** Sampled self time by function, per [start, end] window (trace microseconds). */
function sampledFunctions(traceEvents) {
  const samples = [];
  for (const profile of CpuProfileModel.collectProfileEvents(traceEvents)) {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    let ts = profile.startTime;
    profile.samples.forEach((nodeId, index) => {
      ts += profile.timeDeltas[index] ?? 0;
      const node = nodes.get(nodeId);
      if (!node) return;
      const frame = node.callFrame ?? {};
      const file = (frame.url ?? '').split('/').pop();
      const name = `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${(frame.lineNumber ?? 0) + 1}` : ''}`;
      // The nearest capitalised function of our bundle above the sample: the component.
      let component = null;
      for (let up = node; up; up = nodes.get(up.parent)) {
        const upFrame = up.callFrame ?? {};
        if (/^[A-Z]/.test(upFrame.functionName ?? '') && /\/assets\//.test(upFrame.url ?? '')) {
          component = upFrame.functionName;
          break;
        }
      }
      samples.push({ ts, name, component });
    });
    // The parent links: nodes list children, not parents.
    for (const node of profile.nodes) for (const child of node.children ?? []) {
      const childNode = nodes.get(child);
      if (childNode) childNode.parent = node.id;
    }
  }
  samples.sort((a, b) => a.ts - b.ts);
  return (start, end) => {
    const self = new Map();
    const components = new Map();
    let previous = null;
    for (const sample of samples) {
      if (sample.ts < start) {
        previous = sample.ts;
        continue;
      }
      if (sample.ts > end) break;
      const weight = previous === null ? 0 : (sample.ts - previous) / 1000;
      previous = sample.ts;
      self.set(sample.name, (self.get(sample.name) ?? 0) + weight);
      if (sample.component) components.set(sample.component, (components.get(sample.component) ?? 0) + weight);
    }
    const top = (map, n) =>
      [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, time]) => `${name} ${time.toFixed(1)}`);
    return { self: top(self, 8), components: top(components, 8) };
  };
}

/** A task's time by kind (Lighthouse's groups: script evaluation, style & layout, …). */
function breakdown(task) {
  const byGroup = new Map();
  const visit = (node) => {
    byGroup.set(node.group.label, (byGroup.get(node.group.label) ?? 0) + node.selfTime);
    node.children.forEach(visit);
  };
  visit(task);
  return [...byGroup].sort((a, b) => b[1] - a[1]).filter(([, time]) => time >= 0.5).map(([label, time]) => `${label} ${time.toFixed(1)}`);
}

/** The names of a task's notable events (the timer, the message, the script it ran). */
function describeTask(task) {
  const names = new Set();
  const visit = (node, depth) => {
    if (depth > 3) return;
    const { name, args: eventArgs } = node.event;
    const data = eventArgs?.data ?? {};
    if (name === 'FunctionCall' && data.functionName) names.add(`call ${data.functionName}`);
    else if (name === 'EvaluateScript') names.add(`evaluate ${(data.url ?? '').split('/').pop()}`);
    else if (['TimerFire', 'EventDispatch', 'FireAnimationFrame', 'ResourceReceiveResponse', 'XHRReadyStateChange', 'RunMicrotasks', 'v8.run', 'ParseHTML', 'Layout', 'UpdateLayoutTree', 'Paint', 'MajorGC', 'MinorGC'].includes(name)) {
      names.add(name === 'EventDispatch' ? `event ${data.type}` : name);
    }
    node.children.forEach((child) => visit(child, depth + 1));
  };
  visit(task, 0);
  return [...names].slice(0, 8).join(', ');
}

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  logLevel: 'silent',
});
try {
  const seeded = await reuseSeed(baseUrl, JSON.parse(readFileSync(args.seeded, 'utf8')));
  for (const page of pages) {
    const url = new URL(page.path(seeded), baseUrl).href;
    for (let run = 1; run <= runs; run += 1) {
      const load = loadavg().map((n) => n.toFixed(2)).join(' ');
      const runner = await lighthouse(
        url,
        { port: chrome.port, output: 'json', logLevel: 'error', extraHeaders: { Cookie: seeded.viewer.cookie } },
        {
          extends: 'lighthouse:default',
          settings: {
            onlyCategories: ['performance'],
            ...(args.profile ? { additionalTraceCategories: 'disabled-by-default-v8.cpu_profiler' } : {}),
          },
        },
      );
      const { lhr, artifacts } = runner;
      const trace = artifacts.Trace;
      if (args['trace-dir']) writeFileSync(join(args['trace-dir'], `${page.name}.${run}.trace.json`), JSON.stringify(trace));
      const processed = TraceProcessor.processTrace(trace);
      const navigation = TraceProcessor.processNavigation(processed);
      const origin = processed.timeOriginEvt.ts;
      const tasks = MainThreadTasks.getMainThreadTasks(processed.mainThreadEvents, processed.frames, processed.timestamps.traceEnd, origin);
      const fcp = (navigation.timestamps.firstContentfulPaint - origin) / 1000;
      const topLevel = tasks.filter((task) => !task.parent);
      const long = topLevel.filter((task) => task.duration >= LONG_TASK_MS);
      const afterFcp = long.filter((task) => task.startTime >= fcp);
      // Blocking time of the observed tasks after FCP with the slowdown applied: Lighthouse's
      // simulation also schedules them and stops at its TTI, so its TBT differs, but it moves
      // with this sum.
      const blocking = afterFcp.reduce((sum, task) => sum + Math.max(0, task.duration * CPU_SLOWDOWN - 50), 0);
      const scripting = topLevel.filter((task) => task.startTime >= fcp).reduce((sum, task) => sum + task.duration, 0);
      const audit = (id) => lhr.audits[id]?.numericValue ?? NaN;
      console.log(
        `\n${page.name} run ${run}: performance ${lhr.categories.performance.score}, TBT ${Math.round(audit('total-blocking-time'))} ms, ` +
          `LCP ${Math.round(audit('largest-contentful-paint'))} ms, FCP ${Math.round(audit('first-contentful-paint'))} ms, ` +
          `CLS ${audit('cumulative-layout-shift').toFixed(3)}; load average ${load}`,
      );
      console.log(
        `  observed: FCP at ${ms(fcp)}; main-thread tasks after FCP ${ms(scripting)}; ${long.length} tasks >= ${LONG_TASK_MS} ms ` +
          `(${afterFcp.length} after FCP), their blocking x${CPU_SLOWDOWN} after FCP ${Math.round(blocking)} ms`,
      );
      const functionsIn = args.profile ? sampledFunctions(trace.traceEvents) : null;
      for (const task of long) {
        console.log(`  ${task.startTime >= fcp ? ' ' : '<'} at ${ms(task.startTime)} for ${ms(task.duration)}: ${breakdown(task).join(', ')} [${describeTask(task)}]`);
        if (functionsIn) {
          const { self, components } = functionsIn(origin + task.startTime * 1000, origin + task.endTime * 1000);
          console.log(`      self: ${self.join('; ')}`);
          if (components.length > 0) console.log(`      under: ${components.join('; ')}`);
        }
      }
    }
  }
} finally {
  await chrome.kill();
}
