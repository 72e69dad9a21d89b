export { startMockServer, type MockServer, type MockServerOptions } from './mock-server';
export { MOCK_DEFAULT_PORT, MOCK_PROJECT_ID } from './mock-defaults';
export { FAILURE_TRIGGERS, MOCK_TRIGGERS, MOCK_USER_PREFIX, type MockTrigger } from './turns/error-triggers';
