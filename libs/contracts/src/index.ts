export * from './region';
export * from './renderer-name';
export * from './subjects';
export * from './worker.messages';
export * from './job-event.messages';
export * from './parse';
export * from './tessera.config';
export * from './result-signature';
