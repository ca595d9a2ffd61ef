import { describe, expect, it } from 'vitest';
import type { SystemInfo } from '../../api/types';
import { describeSystem, joinNames } from './systemText';

const names: Record<string, string> = { a: 'ann', b: 'bob', c: 'carl' };
const nameOf = (id: string) => names[id];
const line = (system: Partial<SystemInfo>, selfId: string | null = null) =>
  describeSystem({ event: 'created', actorId: 'a', userIds: [], ...system }, nameOf, selfId);

describe('system message lines', () => {
  it('joins names as a sentence does', () => {
    expect(joinNames(['ann'])).toBe('ann');
    expect(joinNames(['ann', 'bob'])).toBe('ann and bob');
    expect(joinNames(['ann', 'bob', 'carl'])).toBe('ann, bob and carl');
  });

  it('says who did what to whom', () => {
    expect(line({ event: 'created', name: 'Team', userIds: ['b', 'c'] })).toBe('ann created the group “Team”');
    expect(line({ event: 'member.added', userIds: ['b', 'c'] })).toBe('ann added bob and carl');
    expect(line({ event: 'member.removed', userIds: ['c'] })).toBe('ann removed carl');
    expect(line({ event: 'member.left', actorId: 'c', userIds: ['c'] })).toBe('carl left');
    expect(line({ event: 'renamed', name: 'Crew' })).toBe('ann renamed the group to “Crew”');
    expect(line({ event: 'topic.changed', topic: 'plans' })).toBe('ann set the topic to “plans”');
    expect(line({ event: 'topic.changed', topic: '' })).toBe('ann cleared the topic');
    expect(line({ event: 'role.changed', userIds: ['b'], role: 'admin' })).toBe('ann made bob an admin');
    expect(line({ event: 'role.changed', userIds: ['b'], role: 'member' })).toBe('ann made bob a member');
    expect(line({ event: 'role.changed', userIds: ['b'], role: 'owner' })).toBe('ann handed ownership to bob');
  });

  it('speaks of the reader as you, and of unknown people as someone', () => {
    expect(line({ event: 'member.added', userIds: ['b'] }, 'a')).toBe('You added bob');
    expect(line({ event: 'member.removed', userIds: ['b'] }, 'b')).toBe('ann removed you');
    expect(line({ event: 'member.added', actorId: 'x', userIds: ['y'] })).toBe('Someone added someone');
  });
});
