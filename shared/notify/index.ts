export * from './notification';
export * from './publisher';
