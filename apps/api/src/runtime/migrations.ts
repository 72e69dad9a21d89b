import { eventStoreMigrations, type Migration } from '@genaug/event-store';

// Every slice's migrations, in the order they apply.
export const allMigrations: Migration[] = [...eventStoreMigrations];
