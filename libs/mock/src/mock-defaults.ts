// Constants of the mock that callers need before (or without) loading it.

export const MOCK_DEFAULT_PORT = 8787;
/** The one project the mock stands for: any project id or slug reads its data. */
export const MOCK_PROJECT_ID = 'mock';
export const MOCK_BUILD = 'mock';
