import { eventStoreMigrations, type Migration } from '@genaug/event-store';
import { governanceMigrations } from '@genaug/governance';
import { memoryMigrations } from '@genaug/memory';
import { webhooksMigrations } from '@genaug/webhooks';

// Every slice's migrations, in the order they apply.
export const allMigrations: Migration[] = [...eventStoreMigrations, ...memoryMigrations, ...governanceMigrations, ...webhooksMigrations];
