import type { Decider, DomainEvent } from './decider';
import { fold } from './decider';

/**
 * given(events).when(command).then(expected) for deciders, with no database:
 *   spec(decider).given([...]).when(cmd).then([...])  or  .thenThrows(ErrorClass)
 */
export function spec<S, C, E extends DomainEvent>(decider: Decider<S, C, E>) {
  return {
    given(events: E[]) {
      return {
        when(command: C) {
          const run = () => decider.decide(command, fold(decider, events));
          return {
            then(expected: E[] | ((events: E[]) => void)) {
              const produced = run();
              if (typeof expected === 'function') expected(produced);
              else expect(produced).toEqual(expected);
            },
            thenThrows(matcher: any) {
              expect(run).toThrow(matcher);
            },
          };
        },
      };
    },
  };
}
