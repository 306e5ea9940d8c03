// The kernel's own count of datagrams a UDP socket dropped (receive buffer full): what a loss
// test holds its losses against.
import * as fs from 'node:fs';

/**
 * The `drops` column of /proc/net/udp (or udp6) for the socket bound to `port` whose inode is
 * `inode` (`fs.fstatSync(fd).ino`), or undefined where there is no such file (not Linux).
 */
export function udpDrops(port: number, inode: number): number | undefined {
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 13) continue;
      const localPort = parseInt(f[1]!.split(':')[1]!, 16);
      if (localPort === port && f[9] === String(inode)) return Number(f[12]);
    }
  }
  return undefined;
}
