// The pages under the Lighthouse budgets, and how to reach each: a path (from what seed.mjs
// made) and whose session to carry (none, or the seeded viewer's cookies). To put a new screen
// under the budgets, add it here; if it needs data, seed it in seed.mjs and return what the
// path needs from `seed()`.

import { parseArgs } from 'node:util';

/** @typedef {import('./seed.mjs').Seeded} Seeded */

export const PAGES = [
  {
    name: 'signin',
    title: '`/signin` (signed out)',
    path: () => '/signin',
    signedIn: false,
  },
  {
    name: 'home',
    title: '`/` (signed in; 1,000 users in the directory, 30 conversations)',
    path: () => '/',
    signedIn: true,
  },
  {
    name: 'conversation',
    title: '`/chat/:peer` (a conversation of 2,000 messages)',
    path: (seeded) => `/chat/${seeded.longPeer.id}`,
    signedIn: true,
  },
  {
    name: 'group',
    title: '`/group/:id` (a group of 11 members, 200 messages)',
    path: (seeded) => `/group/${seeded.group.id}`,
    signedIn: true,
  },
];

/**
 * The command line shared by the measuring tools (longtasks.mjs, renders.mjs): `--base-url`,
 * `--seeded`, `--only PAGE,...` and `--runs N`, plus each tool's own `options`. Exits with
 * `usage` when one is missing or wrong. Returns the parsed values, the runs and the signed-in
 * pages asked for (all of them without `--only`).
 */
export function measuringArgs(options, usage) {
  const { values: args } = parseArgs({
    options: {
      'base-url': { type: 'string' },
      seeded: { type: 'string' },
      only: { type: 'string' },
      runs: { type: 'string', default: '1' },
      ...options,
    },
  });
  const runs = Number(args.runs);
  if (!args['base-url'] || !args.seeded || !Number.isInteger(runs) || runs < 1) {
    console.error(usage);
    process.exit(2);
  }
  const only = args.only?.split(',');
  const pages = PAGES.filter((page) => page.signedIn && (!only || only.includes(page.name)));
  return { args, baseUrl: args['base-url'], runs, pages };
}
