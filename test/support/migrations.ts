import type { Migration } from '@genaug/event-store';
import { allMigrations as appMigrations } from '../../apps/api/src/runtime/migrations';

export const allMigrations = (): Migration[] => appMigrations;
