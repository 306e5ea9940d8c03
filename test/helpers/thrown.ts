// What a call threw: the error itself, for the assertions that look at more than its class.
export function thrown(fn: () => unknown): Error & { code?: string; syscall?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string; syscall?: string };
  }
  throw new Error('expected the call to throw');
}
