export * from './ids';
export * from './clock';
export * from './errors';
export * from './validation';
export * from './config';
export * from './logger';
export * from './http/request-context';
export * from './http/error-filter';
