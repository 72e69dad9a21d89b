import * as path from 'path';
import { sqlFile, type Migration } from '@genaug/event-store';

export const governanceMigrations: Migration[] = [
  { id: 'governance/001-governance', sql: sqlFile(path.join(__dirname, 'sql'), '001-governance.sql') },
  { id: 'governance/002-batched-ledger', sql: sqlFile(path.join(__dirname, 'sql'), '002-batched-ledger.sql') },
  { id: 'governance/003-leaner-ledger-round', sql: sqlFile(path.join(__dirname, 'sql'), '003-leaner-ledger-round.sql') },
  { id: 'governance/004-ledger-round-by-key', sql: sqlFile(path.join(__dirname, 'sql'), '004-ledger-round-by-key.sql') },
  { id: 'governance/005-settle-once', sql: sqlFile(path.join(__dirname, 'sql'), '005-settle-once.sql') },
];
