// For in-process composition in tests and for generating the OpenAPI file; production runs main.ts.
export { startApi, configureApi } from './api.app';
export { ApiModule } from './api.module';
