// What a project key says about itself: `ga_<env>_<24 hex public id>_<40 hex secret>`, where the
// part up to the public id is the prefix the server lists. Read here without any secret leaving.

const ENVIRONMENT_BY_TAG: Record<string, string> = { live: 'production', stg: 'staging', dev: 'development', ci: 'ci' };
const PROJECT_KEY = /^(ga_([a-z]+)_[0-9a-f]{24})_[0-9a-f]{40}$/;

export interface KeyShape {
  prefix: string;
  environment: string | null;
}

/** The prefix and environment of a project key, or null for anything else (e.g. the mock's "local-test"). */
export function projectKeyShape(raw: string | undefined): KeyShape | null {
  const m = raw ? PROJECT_KEY.exec(raw.trim()) : null;
  return m ? { prefix: m[1], environment: ENVIRONMENT_BY_TAG[m[2]] ?? null } : null;
}
