import { eventStoreMigrations, type Migration } from '@genaug/event-store';
import { memoryMigrations } from '@genaug/memory';

// Every slice's migrations, in the order they apply.
export const allMigrations: Migration[] = [...eventStoreMigrations, ...memoryMigrations];
