/**
 * @module components/FilterBar: filter the stories by status, assignee, component and title.
 */
import { storyStatuses } from "../domain.ts";
import { filterChoices, isFiltering, noFilters, type StoryFilters, UNASSIGNED } from "../logic/filters.ts";
import { filtered, filters, stories } from "../state/stories.ts";

export function FilterBar() {
  const current = filters.value;
  const choices = filterChoices(stories.value);
  const set = (change: Partial<StoryFilters>) => {
    filters.value = { ...filters.value, ...change };
  };
  return (
    <fieldset class="filters">
      <legend class="visually-hidden">Filters</legend>
      <label>
        Search
        <input
          type="search"
          placeholder="Title or id"
          value={current.text}
          onInput={(event) => set({ text: event.currentTarget.value })}
        />
      </label>
      <label>
        Status
        <select
          value={current.status}
          onChange={(event) => set({ status: event.currentTarget.value as StoryFilters["status"] })}
        >
          <option value="">Any</option>
          {storyStatuses.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </label>
      <label>
        Assignee
        <select value={current.assignee} onChange={(event) => set({ assignee: event.currentTarget.value })}>
          <option value="">Anyone</option>
          <option value={UNASSIGNED}>Unassigned</option>
          {choices.assignees.map((assignee) => (
            <option key={assignee} value={assignee}>
              {assignee}
            </option>
          ))}
        </select>
      </label>
      <label>
        Component
        <select value={current.component} onChange={(event) => set({ component: event.currentTarget.value })}>
          <option value="">Any</option>
          {choices.components.map((component) => (
            <option key={component} value={component}>
              {component}
            </option>
          ))}
        </select>
      </label>
      {isFiltering(current) && (
        <>
          <span class="hint" role="status">
            {filtered.value.matches.size} of {stories.value.length} stories match
          </span>
          <button type="button" onClick={() => (filters.value = noFilters)}>
            Clear filters
          </button>
        </>
      )}
    </fieldset>
  );
}
