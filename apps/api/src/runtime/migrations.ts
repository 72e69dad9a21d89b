import { eventStoreMigrations, type Migration } from '@genaug/event-store';
import { governanceMigrations } from '@genaug/governance';
import { memoryMigrations } from '@genaug/memory';
import { turnsMigrations } from '@genaug/turns';
import { webhooksMigrations } from '@genaug/webhooks';

// Every slice's migrations, in the order they apply.
export const allMigrations: Migration[] = [...eventStoreMigrations, ...memoryMigrations, ...turnsMigrations, ...governanceMigrations, ...webhooksMigrations];
