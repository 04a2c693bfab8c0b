import {
  dataLinksOverrideProcessor,
  standardEditorsRegistry,
  displayNameOverrideProcessor,
  FieldType,
  identityOverrideProcessor,
  numberOverrideProcessor,
  standardFieldConfigEditorRegistry,
  stringOverrideProcessor,
  thresholdsOverrideProcessor,
  ThresholdsMode,
  valueMappingsOverrideProcessor,
  type Field,
  type FieldConfigPropertyItem,
} from '@grafana/data';

/** The host edits nothing: options come from the pages' code, so editors render nothing. */
const noEditor = () => null;

function property(
  id: string,
  process: FieldConfigPropertyItem['process'],
  shouldApply: (field: Field) => boolean = () => true,
  defaultValue?: unknown
): FieldConfigPropertyItem {
  return { id, path: id, name: id, editor: noEditor, override: noEditor, process, shouldApply, defaultValue };
}

const isNumber = (field: Field) => field.type === FieldType.number;

/** Every editor id @grafana/data's option builders look up (addSliderInput → 'slider', ...). */
const EDITOR_IDS = [
  'boolean',
  'color',
  'dashboard-uid',
  'field-name',
  'multi-select',
  'number',
  'radio',
  'select',
  'slider',
  'strings',
  'text',
  'timezone',
  'unit',
];

/**
 * Panels declare their options through builders that fetch each editor from this registry, so it
 * must know every id even though the host never shows an editor.
 */
export function registerStandardEditors(): void {
  standardEditorsRegistry.setInit(() => EDITOR_IDS.map((id) => ({ id, name: id, editor: noEditor })));
}

/**
 * The standard field options (Grafana core's getAllStandardFieldConfigs, data side only). Without
 * them applyFieldOverrides ignores `unit`, `decimals`, `links`, ... in defaults and overrides alike.
 */
export function registerStandardFieldConfigs(): void {
  standardFieldConfigEditorRegistry.setInit(() => [
    property('unit', stringOverrideProcessor),
    property('min', numberOverrideProcessor, isNumber),
    property('max', numberOverrideProcessor, isNumber),
    property('decimals', numberOverrideProcessor, isNumber),
    property('displayName', displayNameOverrideProcessor),
    property('color', identityOverrideProcessor),
    property('noValue', stringOverrideProcessor),
    property('links', dataLinksOverrideProcessor),
    property('mappings', valueMappingsOverrideProcessor, (f) => f.type !== FieldType.time, []),
    property('thresholds', thresholdsOverrideProcessor, () => true, {
      mode: ThresholdsMode.Absolute,
      steps: [
        { value: -Infinity, color: 'green' },
        { value: 80, color: 'red' },
      ],
    }),
  ]);
}
