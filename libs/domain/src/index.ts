export * from './errors';
export * from './tiling';
export * from './coverage';
export * from './frame-spec';
export * from './state-machine';
export * from './clock';
export * from './verification';
export * from './pricing';
