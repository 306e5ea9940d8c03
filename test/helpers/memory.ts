import * as v8 from 'node:v8';
import * as vm from 'node:vm';

// Memory a test can take away from under a call: resizable ArrayBuffers (ES2024, in Node 20),
// which are not in this project's TypeScript lib.
export type Resizable = ArrayBuffer & { resize(length: number): void };

export const resizable = (length: number, maxByteLength: number): Resizable =>
  new (ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => Resizable)(length, { maxByteLength });

/** V8's gc(), turned on at run time: jest starts Node without --expose-gc. */
export function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
