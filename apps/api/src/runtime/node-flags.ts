/**
 * Node flags the server runs with: `npm start`, the Dockerfile's api and worker targets and the
 * benchmarks all pass them (a test holds them to it). V8 reads the young generation's size once,
 * at startup, so it cannot be set from inside the process.
 *
 * A turn allocates many short-lived objects (request and response objects, SQL parameters,
 * events). Young-generation semi-spaces of 32 MB, instead of 16, halve how often they are
 * collected: `bench:responses`-style alternating runs (6 rounds, c=32) gave 1,133 against 1,074
 * req/s, better in 5 rounds of 6, for about 64 MB more memory per process under load. The flag
 * also applies to the worker role's thread.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=32'];
