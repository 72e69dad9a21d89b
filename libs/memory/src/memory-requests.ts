// The memory routes' request bodies and queries, in one place for the server and the mock.
import { z } from 'zod';
import { userIdField } from './memory-fields';

export { FACT_MAX_CHARS } from './memory-fields';
export { storeMemorySchema, type StoreMemoryInput } from './store-memory/store-memory.request';
export { searchMemorySchema } from './search-memory/search-memory.request';
export { listMemorySchema, profileSchema } from './list-memory/list-memory.request';

export const purgeSchema = z.object({ user_id: userIdField }).strict();
