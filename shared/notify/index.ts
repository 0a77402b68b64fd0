export * from './notification';
export * from './publisher';
export * from './render';
