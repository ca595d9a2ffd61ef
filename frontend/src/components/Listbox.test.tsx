import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { Listbox } from './Listbox';

const people = Array.from({ length: 1000 }, (_, i) => ({ id: `p${i}`, name: `person ${i}` }));

function renderPeople(onChoose = vi.fn()) {
  render(
    <Listbox
      id="people"
      label="People"
      items={people}
      getKey={(person) => person.id}
      selectedKey={null}
      onChoose={onChoose}
      optionHeight={56}
      renderOption={(person) => <span>{person.name}</span>}
    />,
  );
  return { list: screen.getByRole('listbox', { name: 'People' }), onChoose };
}

describe('Listbox', () => {
  it('renders a window of a long list, each option saying its place in the whole', () => {
    renderPeople();
    const options = screen.getAllByRole('option');
    expect(options.length).toBeGreaterThan(0);
    expect(options.length).toBeLessThan(60);
    expect(options[0]?.getAttribute('aria-posinset')).toBe('1');
    expect(options[0]?.getAttribute('aria-setsize')).toBe('1000');
  });

  it('moves the active option with the keyboard and chooses it with Enter', () => {
    const { list, onChoose } = renderPeople();
    fireEvent.focus(list);
    expect(list.getAttribute('aria-activedescendant')).toBe('people-option-p0');
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(list.getAttribute('aria-activedescendant')).toBe('people-option-p2');
    fireEvent.keyDown(list, { key: 'Enter' });
    expect(onChoose).toHaveBeenCalledWith(people[2]);
  });

  it('chooses an option on click', () => {
    const { onChoose } = renderPeople();
    fireEvent.click(screen.getByText('person 3'));
    expect(onChoose).toHaveBeenCalledWith(people[3]);
  });

  it('renders an option again only when its item changes, given stable functions', () => {
    const renderOption = vi.fn((person: (typeof people)[number]) => <span>{person.name}</span>);
    const getKey = (person: (typeof people)[number]) => person.id;
    const onChoose = vi.fn();
    const list = (items: typeof people) => (
      <Listbox
        id="people"
        label="People"
        items={items}
        getKey={getKey}
        selectedKey={null}
        onChoose={onChoose}
        optionHeight={56}
        renderOption={renderOption}
      />
    );
    const { rerender } = render(list(people));
    renderOption.mockClear();
    const renamed = { ...people[1]!, name: 'renamed' };
    rerender(list(people.map((person, index) => (index === 1 ? renamed : person))));
    expect(renderOption.mock.calls.map(([person]) => person)).toEqual([renamed]);
    expect(screen.getByText('renamed')).toBeTruthy();
  });
});
