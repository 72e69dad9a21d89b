/** The SDK version; report it in health checks and support bundles next to the API build. */
export const VERSION = '0.1.1';
