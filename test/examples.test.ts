// The programs in examples/ run as a user would run them, and say what the notes say.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.join(__dirname, '..');

describe('examples', () => {
  it('udp-echo-demo (npm start) walks the client/server sequence and echoes a zero-length datagram', () => {
    const out = execFileSync(process.execPath, [path.join(root, 'examples', 'udp-echo-demo.js')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 15000,
    });
    expect(out).toMatch(/^server: fd \d+ bound to 127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^client: sendto\("hello"\) = 5$/m);
    expect(out).toMatch(/^client: sendto\(""\) = 0$/m);
    expect(out).toMatch(/^server: recvfrom = 0 bytes from 127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^client: recvfrom = "" \(0 bytes\) from 127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^client: recvfrom = "datagrams keep their boundaries" \(31 bytes\)/m);
  });
});
