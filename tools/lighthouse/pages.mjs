// The pages under the Lighthouse budgets, and how to reach each: a path (from what seed.mjs
// made) and whose session to carry (none, or the seeded viewer's cookies). To put a new screen
// under the budgets, add it here; if it needs data, seed it in seed.mjs and return what the
// path needs from `seed()`.

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
