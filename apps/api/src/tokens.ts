export const APP_OPTIONS = Symbol('APP_OPTIONS');
export const MIGRATIONS = Symbol('MIGRATIONS');
