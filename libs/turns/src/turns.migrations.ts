import * as path from 'path';
import { sqlFile, type Migration } from '@genaug/event-store';

export const turnsMigrations: Migration[] = [
  { id: 'turns/001-turn-runners', sql: sqlFile(path.join(__dirname, 'sql'), '001-turn-runners.sql') },
];
