import * as path from 'path';
import { sqlFile, type Migration } from '@genaug/event-store';

export const webhooksMigrations: Migration[] = [
  { id: 'webhooks/001-webhooks', sql: sqlFile(path.join(__dirname, 'sql'), '001-webhooks.sql') },
];
