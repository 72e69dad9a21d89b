import { contractSuite } from './suite/contract-suite';
import { serverTarget } from './support/targets';

contractSuite(serverTarget);
