export * from './ids';
export * from './clock';
export * from './errors';
export * from './validation';
export * from './config';
export * from './logger';
