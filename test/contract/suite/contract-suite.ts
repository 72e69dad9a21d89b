import { reportNotRun, type Target, type TargetKind } from '../support/targets';
import { limitsContract } from './limits.contract';
import { memoryContract } from './memory.contract';
import { responsesContract } from './responses.contract';
import { usageAndTracesContract } from './usage-and-traces.contract';

/** The one contract suite: every part the target serves, against a fresh instance of it. */
export function contractSuite(kind: TargetKind): void {
  reportNotRun(kind);
  describe(`the app API contract, against the ${kind.name}`, () => {
    let target: Target;
    beforeAll(async () => {
      target = await kind.start(`contract_${kind.name}`);
    });
    afterAll(() => target?.close());
    const current = () => target;

    responsesContract(current);
    if (kind.parts.includes('memory')) memoryContract(current);
    if (kind.parts.includes('usage_and_traces')) usageAndTracesContract(current);
    if (kind.parts.includes('limits')) limitsContract(current);
  });
}
