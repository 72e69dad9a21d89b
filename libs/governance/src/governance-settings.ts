import { governanceSettingsSchema, type GovernanceSettings, type ProjectSettings } from '@genaug/projects';

const effective = new WeakMap<object, GovernanceSettings>();
const DEFAULTS = governanceSettingsSchema.parse({});

/**
 * A project's governance settings with the documented defaults filled in. Settings written
 * before a field existed read as its default; parsed once per settings object.
 */
export function governanceOf(settings: ProjectSettings): GovernanceSettings {
  const section = settings.governance;
  if (!section) return DEFAULTS;
  let parsed = effective.get(section);
  if (!parsed) {
    parsed = governanceSettingsSchema.parse(section);
    effective.set(section, parsed);
  }
  return parsed;
}
