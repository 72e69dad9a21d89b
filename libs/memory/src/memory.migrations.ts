import * as path from 'path';
import { sqlFile, type Migration } from '@genaug/event-store';

export const memoryMigrations: Migration[] = [
  { id: 'memory/001-memory-search', sql: sqlFile(path.join(__dirname, 'sql'), '001-memory-search.sql') },
];
