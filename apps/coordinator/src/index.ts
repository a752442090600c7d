// For in-process composition in tests; production starts the coordinator through main.ts.
export { startCoordinator } from './coordinator.app';
export { CoordinatorModule } from './coordinator.module';
