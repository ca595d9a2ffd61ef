// Lighthouse against a running stack (scripts/lighthouse.sh runs this): seeds it through the
// public API (seed.mjs), audits every page of pages.mjs once with Lighthouse's defaults (mobile
// emulation, simulated throttling) in Debian's Chromium, and writes what it measured.
//
//   node run.mjs --base-url URL --mode check|bench --out DIR [--markdown FILE] [--only PAGE,...]
//
// check  the budgets that do not depend on the machine's speed, asserted: accessibility and best
//        practices >= 0.95 and Cumulative Layout Shift <= 0.05 on every page. Exits 1 when a
//        page misses one, listing the audits that failed. Timing figures are printed, not judged.
// bench  every category; the performance score, Total Blocking Time and Largest Contentful Paint
//        go to the markdown table (--markdown) with their goals. Nothing is asserted.
// Each page's full report is kept as DIR/<page>.report.json (open it in the Lighthouse viewer).
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { PAGES } from './pages.mjs';
import { SEED, seed } from './seed.mjs';

/** Asserted in `make test`: none of these depends on how fast the machine is. */
export const BUDGETS = { accessibility: 0.95, bestPractices: 0.95, cls: 0.05 };
/** The goals of the timing figures, reported by `make bench` and never asserted. */
export const GOALS = { performance: 0.95, tbtMs: 200 };

const CHROME_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const { values: args } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    mode: { type: 'string', default: 'check' },
    out: { type: 'string', default: '.' },
    markdown: { type: 'string' },
    only: { type: 'string' },
  },
});
const baseUrl = args['base-url'];
const mode = args.mode;
if (!baseUrl || !['check', 'bench'].includes(mode)) {
  console.error('usage: node run.mjs --base-url URL --mode check|bench --out DIR [--markdown FILE]');
  process.exit(2);
}
mkdirSync(args.out, { recursive: true });
/** `--only signin,home` audits just those pages (while working on one). */
const pages = args.only ? PAGES.filter((page) => args.only.split(',').includes(page.name)) : PAGES;

const log = (line) => console.error(`lighthouse: ${line}`);

/** `make test` leaves out the performance category, which it would not judge, but keeps CLS. */
const settings =
  mode === 'check'
    ? { onlyCategories: ['accessibility', 'best-practices'], onlyAudits: ['cumulative-layout-shift'] }
    : {};

/** The figures of one report that the budgets and the table use. */
function figuresOf(lhr) {
  const score = (id) => lhr.categories[id]?.score ?? null;
  const numeric = (id) => lhr.audits[id]?.numericValue ?? null;
  return {
    performance: score('performance'),
    accessibility: score('accessibility'),
    bestPractices: score('best-practices'),
    cls: numeric('cumulative-layout-shift'),
    tbtMs: numeric('total-blocking-time'),
    lcpMs: numeric('largest-contentful-paint'),
    fcpMs: numeric('first-contentful-paint'),
  };
}

/** The failed audits of a category, one line each with the elements they name. */
function failedAudits(lhr, categoryId) {
  const category = lhr.categories[categoryId];
  if (!category) return [];
  return category.auditRefs
    .filter((ref) => ref.weight > 0 && lhr.audits[ref.id]?.score !== null && lhr.audits[ref.id]?.score < 1)
    .map((ref) => {
      const audit = lhr.audits[ref.id];
      const items = (audit.details?.items ?? [])
        .slice(0, 5)
        .map((item) => item.node?.snippet ?? item.description ?? item.source?.url ?? item.url ?? '')
        .filter(Boolean);
      return `${ref.id}: ${audit.title}${items.length ? `\n      ${items.join('\n      ')}` : ''}`;
    });
}

/** The budgets a page misses, as sentences. */
function missedBudgets(figures) {
  const missed = [];
  if (figures.accessibility === null || figures.accessibility < BUDGETS.accessibility) {
    missed.push(`accessibility ${figures.accessibility} < ${BUDGETS.accessibility}`);
  }
  if (figures.bestPractices === null || figures.bestPractices < BUDGETS.bestPractices) {
    missed.push(`best practices ${figures.bestPractices} < ${BUDGETS.bestPractices}`);
  }
  if (figures.cls === null || figures.cls > BUDGETS.cls) {
    missed.push(`CLS ${figures.cls?.toFixed(3)} > ${BUDGETS.cls}`);
  }
  return missed;
}

const fmtScore = (value) => (value === null ? '–' : value.toFixed(2));
const fmtMs = (value) => (value === null ? '–' : `${Math.round(value).toLocaleString('en')} ms`);
const fmtCls = (value) => (value === null ? '–' : value.toFixed(3));

const started = Date.now();
const needsSeed = pages.some((page) => page.signedIn);
if (needsSeed) log(`seeding ${baseUrl}`);
const seeded = needsSeed ? await seed(baseUrl, log) : null;

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  chromeFlags: CHROME_FLAGS,
  logLevel: 'silent',
});
const results = [];
try {
  for (const page of pages) {
    const url = new URL(page.path(seeded), baseUrl).href;
    const pageStarted = Date.now();
    const runner = await lighthouse(
      url,
      {
        port: chrome.port,
        output: 'json',
        logLevel: process.env.LH_LOG_LEVEL ?? 'error',
        extraHeaders: page.signedIn ? { Cookie: seeded.viewer.cookie } : undefined,
      },
      { extends: 'lighthouse:default', settings },
    );
    if (!runner) throw new Error(`Lighthouse returned nothing for ${url}`);
    const { lhr } = runner;
    if (lhr.runtimeError) throw new Error(`${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    writeFileSync(join(args.out, `${page.name}.report.json`), runner.report);
    const figures = figuresOf(lhr);
    const missed = missedBudgets(figures);
    results.push({ page: page.name, title: page.title, url, figures, missed, lighthouse: lhr.lighthouseVersion });
    log(
      `${page.name}: accessibility ${fmtScore(figures.accessibility)}, best practices ` +
        `${fmtScore(figures.bestPractices)}, CLS ${fmtCls(figures.cls)}` +
        (mode === 'bench'
          ? `, performance ${fmtScore(figures.performance)}, TBT ${fmtMs(figures.tbtMs)}, LCP ${fmtMs(figures.lcpMs)}`
          : '') +
        ` (${((Date.now() - pageStarted) / 1000).toFixed(1)} s)`,
    );
    if (missed.length > 0) {
      for (const line of [...failedAudits(lhr, 'accessibility'), ...failedAudits(lhr, 'best-practices')]) {
        log(`  failed ${line}`);
      }
    }
  }
} finally {
  await chrome.kill();
}
writeFileSync(join(args.out, 'results.json'), `${JSON.stringify({ mode, seed: SEED, results }, null, 2)}\n`);

if (args.markdown) {
  const rows = results.map(
    ({ title, figures: f }) =>
      `| ${title} | ${fmtScore(f.performance)} | ${fmtMs(f.tbtMs)} | ${fmtMs(f.lcpMs)} | ${fmtMs(f.fcpMs)} | ` +
      `${fmtCls(f.cls)} | ${fmtScore(f.accessibility)} | ${fmtScore(f.bestPractices)} |`,
  );
  writeFileSync(
    args.markdown,
    [
      '| page | performance | TBT | LCP | FCP | CLS | accessibility | best practices |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

const failed = results.filter((result) => result.missed.length > 0);
log(`${results.length} pages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (mode === 'check' && failed.length > 0) {
  for (const { page, missed } of failed) log(`${page} misses its budget: ${missed.join(', ')}`);
  process.exit(1);
}
