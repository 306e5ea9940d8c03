// Rules of the house that a reader relies on, checked so they stay true.
import * as fs from 'node:fs';
import * as path from 'node:path';

const native = path.join(__dirname, '..', 'native');
const sources = fs.readdirSync(native).filter((f) => /\.(cc|h)$/.test(f));

describe('the native house', () => {
  it('every platform test goes through platform.h: no __linux__ or __APPLE__ anywhere else', () => {
    const offenders = sources
      .filter((f) => f !== 'platform.h')
      .filter((f) => /\b__linux__\b|\b__APPLE__\b/.test(fs.readFileSync(path.join(native, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the kernel-level helpers include no Node-API, so fuzzers drive them directly', () => {
    for (const file of ['mmsg.h', 'mmsg.cc', 'interrupted_call.h', 'interrupted_call.cc', 'deadline.h', 'segment.h', 'segment.cc', 'option_struct.h', 'option_struct.cc', 'platform.h']) {
      const text = fs.readFileSync(path.join(native, file), 'utf8');
      expect({ file, napi: /#include\s+[<"](napi\.h|build_config\.h|args\.h|js_result\.h|addon_data\.h)[>"]/.test(text) }).toEqual({ file, napi: false });
    }
  });
});
