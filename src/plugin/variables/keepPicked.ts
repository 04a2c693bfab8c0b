import type { MultiValueVariableState } from '@grafana/scenes';

/**
 * Scenes drops picked values that the latest options lack. A pasted link must reproduce the view
 * even when a value is absent from this range, and a wrong value must reach the builders, which
 * name it in their error, instead of silently turning into another view. So explicit picks stay.
 */
export function keepPicked(
  current: MultiValueVariableState,
  allPicked: boolean,
  update: Partial<MultiValueVariableState>
): void {
  const { value, text } = current;
  const picked = Array.isArray(value) ? value.length > 0 : value !== '';
  if (picked && !allPicked) {
    update.value = value;
    update.text = text;
  }
}
