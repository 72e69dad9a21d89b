import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, type AppConfig } from '@genaug/kernel';
import { parseMasterKey } from '@genaug/event-store';

export interface Secrets {
  adminKey: string;
  masterKey: Buffer;
  /** True when the admin key was generated into the data directory by this or an earlier start. */
  generated: boolean;
}

/**
 * GENAUG_ADMIN_KEY and GENAUG_MASTER_KEY from the environment; outside production, missing
 * ones are generated once into the data directory (mode 0600) so restarts keep them.
 */
export function loadSecrets(config: AppConfig): Secrets {
  const production = config.NODE_ENV === 'production';
  if (production) {
    if (!config.GENAUG_ADMIN_KEY) throw new ConfigError('GENAUG_ADMIN_KEY is required when NODE_ENV=production');
    if (!config.GENAUG_MASTER_KEY) throw new ConfigError('GENAUG_MASTER_KEY is required when NODE_ENV=production');
  }
  let stored: { admin_key?: string; master_key?: string } = {};
  const file = path.resolve(config.GENAUG_DATA_DIR, 'secrets.json');
  if ((!config.GENAUG_ADMIN_KEY || !config.GENAUG_MASTER_KEY) && !production) {
    if (fs.existsSync(file)) stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    let changed = false;
    if (!stored.admin_key) {
      stored.admin_key = `gaadm_${randomBytes(24).toString('hex')}`;
      changed = true;
    }
    if (!stored.master_key) {
      stored.master_key = randomBytes(32).toString('hex');
      changed = true;
    }
    if (changed) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
    }
  }
  return {
    adminKey: config.GENAUG_ADMIN_KEY ?? stored.admin_key!,
    masterKey: parseMasterKey(config.GENAUG_MASTER_KEY ?? stored.master_key!),
    generated: !config.GENAUG_ADMIN_KEY,
  };
}
