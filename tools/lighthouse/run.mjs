// Lighthouse against a running stack (scripts/lighthouse.sh runs this): seeds it through the
// public API (seed.mjs), audits every page of pages.mjs with Lighthouse's defaults (mobile
// emulation, simulated throttling) in Debian's Chromium, and writes what it measured.
//
//   node run.mjs --base-url URL --mode check|bench --out DIR [--markdown FILE] [--only PAGE,...]
//                [--runs N] [--seeded FILE]
//
// check  the budgets that do not depend on the machine's speed, asserted: accessibility and best
//        practices >= 0.95 and Cumulative Layout Shift <= 0.05 on every page. Exits 1 when a
//        page misses one, listing the audits that failed. No performance category (it would not
//        be judged), no full-page screenshot, and the signed-out pages are audited while the
//        seeding runs: it has to fit in `make test`'s minute.
// bench  every category, after the seeding (nothing else runs beside an audit); --markdown
//        writes BENCHMARKS.md's front-end section: performance score, TBT, LCP with their goals.
//        Nothing is asserted. --runs N audits each page N times and reports the median of each
//        figure (TBT on a shared machine moves by a factor of two between two runs).
// --seeded FILE reuses what an earlier run seeded (its seed.json; the viewer signs in again)
// instead of seeding anew, so runs before and after a change audit the same data.
// Each page's full report is kept as DIR/<page>.report.json (open it in the Lighthouse viewer),
// the figures as DIR/results.json, the seeded viewer's cookie as DIR/seed.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { PAGES } from './pages.mjs';
import { SEED, reuseSeed, seed } from './seed.mjs';

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
    runs: { type: 'string', default: '1' },
    seeded: { type: 'string' },
  },
});
const baseUrl = args['base-url'];
const mode = args.mode;
const runs = Number(args.runs);
if (!baseUrl || !['check', 'bench'].includes(mode) || !Number.isInteger(runs) || runs < 1) {
  console.error(
    'usage: node run.mjs --base-url URL --mode check|bench --out DIR [--markdown FILE] [--only PAGE,...] ' +
      '[--runs N] [--seeded FILE]',
  );
  process.exit(2);
}
mkdirSync(args.out, { recursive: true });
/** `--only signin,home` audits just those pages (while working on one). */
const pages = args.only ? PAGES.filter((page) => args.only.split(',').includes(page.name)) : PAGES;

const log = (line) => console.error(`lighthouse: ${line}`);
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

const settings =
  mode === 'check'
    ? {
        onlyCategories: ['accessibility', 'best-practices'],
        onlyAudits: ['cumulative-layout-shift', 'layout-shifts'],
        disableFullPageScreenshot: true,
      }
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

/** The median of the numbers among `values` (null when there are none). */
function median(values) {
  const sorted = values.filter((value) => value !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Each figure's median over several runs of one page. */
function medianFigures(runFigures) {
  return Object.fromEntries(
    Object.keys(runFigures[0]).map((key) => [key, median(runFigures.map((figures) => figures[key]))]),
  );
}

/** What a developer needs to fix a missed budget: failed audits and the elements they name. */
function findings(lhr) {
  const lines = [];
  for (const categoryId of ['accessibility', 'best-practices']) {
    for (const ref of lhr.categories[categoryId]?.auditRefs ?? []) {
      const audit = lhr.audits[ref.id];
      if (ref.weight === 0 || audit?.score === null || audit?.score === undefined || audit.score >= 1) continue;
      const items = (audit.details?.items ?? [])
        .slice(0, 5)
        .map((item) => item.node?.snippet ?? item.description ?? item.sourceLocation?.url ?? item.url ?? '')
        .filter(Boolean);
      lines.push(`${ref.id}: ${audit.title}`, ...items.map((item) => `    ${item}`));
    }
  }
  for (const item of lhr.audits['layout-shifts']?.details?.items ?? []) {
    lines.push(`layout shift ${item.score?.toFixed(3)}: ${item.node?.snippet ?? '(unattributed)'}`);
  }
  return lines;
}

/** The budgets a page misses, as phrases. */
function missedBudgets(figures) {
  const missed = [];
  if (figures.accessibility === null || figures.accessibility < BUDGETS.accessibility) {
    missed.push(`accessibility ${figures.accessibility} < ${BUDGETS.accessibility}`);
  }
  if (figures.bestPractices === null || figures.bestPractices < BUDGETS.bestPractices) {
    missed.push(`best practices ${figures.bestPractices} < ${BUDGETS.bestPractices}`);
  }
  if (figures.cls === null || figures.cls > BUDGETS.cls) missed.push(`CLS ${figures.cls?.toFixed(3)} > ${BUDGETS.cls}`);
  return missed;
}

const fmtScore = (value) => (value === null ? '–' : value.toFixed(2));
const fmtMs = (value) => (value === null ? '–' : `${Math.round(value).toLocaleString('en')} ms`);
const fmtCls = (value) => (value === null ? '–' : value.toFixed(3));

/** Audits one page `runs` times; `seeded` carries the viewer's cookie for signed-in pages. */
async function audit(chrome, page, seeded) {
  const url = new URL(page.path(seeded), baseUrl).href;
  const started = Date.now();
  const reports = [];
  for (let run = 1; run <= runs; run += 1) reports.push(await auditOnce(chrome, page, url, seeded, run));
  const figures = runs === 1 ? reports[0].figures : medianFigures(reports.map((report) => report.figures));
  const missed = missedBudgets(figures);
  log(
    `${page.name}${runs > 1 ? ` (median of ${runs})` : ''}: accessibility ${fmtScore(figures.accessibility)}, ` +
      `best practices ${fmtScore(figures.bestPractices)}, CLS ${fmtCls(figures.cls)}` +
      (mode === 'bench'
        ? `, performance ${fmtScore(figures.performance)}, TBT ${fmtMs(figures.tbtMs)}, LCP ${fmtMs(figures.lcpMs)}`
        : '') +
      ` (${seconds(started)})`,
  );
  if (missed.length > 0) for (const line of findings(reports[0].lhr)) log(`  ${line}`);
  return {
    page: page.name,
    title: page.title,
    url,
    figures,
    ...(runs > 1 ? { runs: reports.map((report) => report.figures) } : {}),
    missed,
    versions: { lighthouse: reports[0].lhr.lighthouseVersion, chrome: browserVersion },
    warnings: [...new Set(reports.flatMap((report) => report.lhr.runWarnings))],
  };
}

/** One Lighthouse run of one page; its report goes to DIR/<page>.report.json (run 1) or
 *  DIR/<page>.<run>.report.json. */
async function auditOnce(chrome, page, url, seeded, run) {
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
  writeFileSync(join(args.out, `${page.name}${run === 1 ? '' : `.${run}`}.report.json`), runner.report);
  const figures = figuresOf(lhr);
  if (runs > 1) {
    log(
      `${page.name} run ${run}/${runs}: performance ${fmtScore(figures.performance)}, TBT ${fmtMs(figures.tbtMs)}, ` +
        `LCP ${fmtMs(figures.lcpMs)} (load average ${loadavg()[0].toFixed(2)})`,
    );
  }
  return { lhr, figures };
}

/** BENCHMARKS.md's section for the front end. */
function markdownSection(results) {
  const versions = results[0]?.versions ?? { lighthouse: '?', chrome: '' };
  const chrome = versions.chrome.match(/Chrome\/([\d.]+)/)?.[1] ?? '?';
  const rows = results.map(
    ({ title, figures: f }) =>
      `| ${title} | ${fmtScore(f.performance)} | ${fmtMs(f.tbtMs)} | ${fmtMs(f.lcpMs)} | ${fmtMs(f.fcpMs)} | ` +
      `${fmtCls(f.cls)} | ${fmtScore(f.accessibility)} | ${fmtScore(f.bestPractices)} |`,
  );
  const warnings = results.flatMap(({ page, warnings: w }) => (w ?? []).map((text) => `- ${page}: ${text}`));
  return [
    '## Front end (Lighthouse)',
    '',
    `Written by \`scripts/lighthouse.sh bench\` (part of \`make bench\`) against the stack measured above:`,
    `Lighthouse ${versions.lighthouse} in Debian's Chromium ${chrome}, headless, with Lighthouse's defaults`,
    '(mobile emulation, simulated throttling: slow 4G and a 4x CPU slowdown applied to what this',
    `machine measured), ${runs === 1 ? 'one run per page' : `the median of ${runs} runs per page`}, after seeding through the public API`,
    `(${SEED.users.toLocaleString('en')} users, ${SEED.conversations} conversations of the viewer, one of them of ` +
      `${SEED.longMessages.toLocaleString('en')} messages).`,
    `Load average when the audits ended: ${loadavg().map((n) => n.toFixed(2)).join(', ')} (the CPU slowdown`,
    'multiplies whatever else this machine was doing, so TBT and LCP move with it).',
    '',
    `Goals (measured here, never asserted): performance ≥ ${GOALS.performance}, TBT ≤ ${GOALS.tbtMs} ms. \`make test\``,
    `asserts only what does not depend on the machine's speed: accessibility and best practices ≥`,
    `${BUDGETS.accessibility}, CLS ≤ ${BUDGETS.cls} on every page (\`scripts/lighthouse.sh check\`). The pages and`,
    'how each is reached are listed in `tools/lighthouse/pages.mjs`.',
    '',
    '| page | performance | TBT | LCP | FCP | CLS | accessibility | best practices |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    ...(warnings.length > 0 ? ['', 'Lighthouse warned:', ...warnings] : []),
    '',
  ].join('\n');
}

const started = Date.now();
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  chromeFlags: CHROME_FLAGS,
  logLevel: 'silent',
});
// The full version (the user agent Lighthouse reports is reduced to 156.0.0.0).
const browserVersion = await fetch(`http://127.0.0.1:${chrome.port}/json/version`)
  .then((answer) => answer.json())
  .then((version) => String(version.Browser ?? ''))
  .catch(() => '');
const results = [];
try {
  const needsSeed = pages.some((page) => page.signedIn);
  let seeding = null;
  if (needsSeed && args.seeded) {
    log(`reusing the seeding of ${args.seeded}`);
    seeding = reuseSeed(baseUrl, JSON.parse(readFileSync(args.seeded, 'utf8')));
    seeding.catch(() => {});
  } else if (needsSeed) {
    log(`seeding ${baseUrl}`);
    seeding = seed(baseUrl, log);
    // Awaited below; this only keeps an early failure from counting as unhandled meanwhile.
    seeding.catch(() => {});
  }
  // check: the signed-out pages need no data, so they are audited while the seeding runs.
  if (mode === 'check' || !seeding) {
    for (const page of pages.filter((p) => !p.signedIn)) results.push(await audit(chrome, page, null));
  }
  const seeded = seeding ? await seeding : null;
  if (seeded) writeFileSync(join(args.out, 'seed.json'), `${JSON.stringify(seeded, null, 2)}\n`);
  for (const page of pages) {
    if (results.some((result) => result.page === page.name)) continue;
    results.push(await audit(chrome, page, seeded));
  }
} finally {
  await chrome.kill();
}
results.sort((a, b) => pages.findIndex((p) => p.name === a.page) - pages.findIndex((p) => p.name === b.page));
writeFileSync(join(args.out, 'results.json'), `${JSON.stringify({ mode, seed: SEED, results }, null, 2)}\n`);
if (args.markdown) writeFileSync(args.markdown, markdownSection(results));

const failed = results.filter((result) => result.missed.length > 0);
log(`${results.length} pages in ${seconds(started)}`);
if (mode === 'check' && failed.length > 0) {
  for (const { page, missed } of failed) log(`${page} misses its budget: ${missed.join(', ')}`);
  process.exit(1);
}
