// What a call threw: the error itself, for the assertions that look at more than its class.
export function thrown(fn: () => unknown): Error & { code?: string; syscall?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string; syscall?: string };
  }
  throw new Error('expected the call to throw');
}

/** 'ok', or the class and code of what the call threw ('NoSuchDeviceError ENODEV'). */
export function outcome(call: () => unknown): string {
  try {
    call();
    return 'ok';
  } catch (error) {
    const e = error as Error & { code?: string };
    return `${e.constructor.name} ${e.code}`;
  }
}
