import { describe, expect, it } from 'vitest';
import type { GroupRole } from '../../api/types';
import { canDo, canDoTo, memberActions } from './roles';

const ROLES: GroupRole[] = ['owner', 'admin', 'member'];

describe('the role table (contract §6)', () => {
  it('lets everyone leave and see the members, and no one who is not a member', () => {
    for (const role of ROLES) {
      expect(canDo(role, 'leave')).toBe(true);
      expect(canDo(role, 'seeMembers')).toBe(true);
    }
    expect(canDo(null, 'leave')).toBe(false);
  });

  it('lets owners and admins rename, set the topic and add members, not members', () => {
    for (const action of ['rename', 'setTopic', 'addMembers'] as const) {
      expect(ROLES.map((role) => canDo(role, action))).toEqual([true, true, false]);
    }
  });

  it('lets the owner remove anyone, an admin only members, a member no one', () => {
    expect(ROLES.map((target) => canDoTo('owner', 'remove', target))).toEqual([false, true, true]);
    expect(ROLES.map((target) => canDoTo('admin', 'remove', target))).toEqual([false, false, true]);
    expect(ROLES.map((target) => canDoTo('member', 'remove', target))).toEqual([false, false, false]);
  });

  it('lets owners and admins delete a member’s message but not an owner’s or an admin’s', () => {
    expect(ROLES.map((target) => canDoTo('owner', 'deleteMessage', target))).toEqual([false, true, true]);
    expect(ROLES.map((target) => canDoTo('admin', 'deleteMessage', target))).toEqual([false, false, true]);
    expect(ROLES.map((target) => canDoTo('member', 'deleteMessage', target))).toEqual([false, false, false]);
  });

  it('lets only the owner change roles and hand ownership over', () => {
    expect(canDoTo('owner', 'makeAdmin', 'member')).toBe(true);
    expect(canDoTo('owner', 'makeAdmin', 'admin')).toBe(false);
    expect(canDoTo('owner', 'makeMember', 'admin')).toBe(true);
    expect(canDoTo('owner', 'makeMember', 'member')).toBe(false);
    expect(canDoTo('owner', 'handOver', 'admin')).toBe(true);
    expect(canDoTo('owner', 'handOver', 'member')).toBe(true);
    for (const role of ['admin', 'member'] as const) {
      for (const target of ROLES) {
        expect(canDoTo(role, 'makeAdmin', target)).toBe(false);
        expect(canDoTo(role, 'makeMember', target)).toBe(false);
        expect(canDoTo(role, 'handOver', target)).toBe(false);
      }
    }
  });

  it('offers nothing on oneself: the owner’s role changes only by handing over', () => {
    for (const role of ROLES) expect(memberActions(role, role, true)).toEqual([]);
  });

  it('lists the actions in the panel’s order', () => {
    expect(memberActions('owner', 'member', false)).toEqual(['makeAdmin', 'handOver', 'remove']);
    expect(memberActions('owner', 'admin', false)).toEqual(['makeMember', 'handOver', 'remove']);
    expect(memberActions('admin', 'member', false)).toEqual(['remove']);
    expect(memberActions('admin', 'admin', false)).toEqual([]);
    expect(memberActions('member', 'member', false)).toEqual([]);
  });
});
