import { identityOverrideProcessor, type FieldConfigEditorBuilder } from '@grafana/data';

const noEditor = () => null;

/**
 * Registers a panel's custom field options with their defaults. applyFieldOverrides copies only
 * registered options into each field's config.custom, so what a core panel declares is what a
 * page's setCustomFieldConfig / overrides can reach.
 */
export function addCustomFieldConfig<T extends object>(
  builder: FieldConfigEditorBuilder<T>,
  defaults: Record<string, unknown>
): void {
  for (const [path, defaultValue] of Object.entries(defaults)) {
    builder.addCustomEditor({
      id: path,
      path,
      name: path,
      editor: noEditor,
      override: noEditor,
      process: identityOverrideProcessor,
      shouldApply: () => true,
      defaultValue,
    });
  }
}
