export { startMockServer, MOCK_DEFAULT_PORT, MOCK_PROJECT_ID, type MockServer, type MockServerOptions } from './mock-server';
export { FAILURE_TRIGGERS, MOCK_TRIGGERS, MOCK_USER_PREFIX, type MockTrigger } from './turns/error-triggers';
