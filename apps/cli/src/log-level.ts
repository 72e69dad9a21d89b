// Imported first by main: the CLI reports to the user itself, so structured logs (which go
// to stdout) stay off unless asked for, and --json output stays parseable.
process.env.GENAUG_LOG_LEVEL ??= 'silent';
