import { contractSuite } from './suite/contract-suite';
import { mockTarget } from './support/targets';

contractSuite(mockTarget);
