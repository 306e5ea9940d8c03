// Close-on-exec: a child process inherits none of our descriptors, however they were made (flat
// calls, socketpairs, accepted connections, Sockets), also through a shell. What happens to a
// descriptor when it is closed, collected or reused: test/lifetime.test.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

import * as api from '../lib';
import {
  AF_INET,
  AF_UNIX,
  F_GETFD,
  F_SETFD,
  FD_CLOEXEC,
  SOCK_DGRAM,
  SOCK_STREAM,
  Socket,
  accept,
  bind,
  close,
  connect,
  fcntl,
  getsockname,
  listen,
  socket,
  socketpair,
} from '../lib';
import { fileIdentity } from './helpers/descriptors';
import { onLinux } from './helpers/platform';

describe('close-on-exec: a child process inherits none of our descriptors', () => {
  // The child is given (number, device:inode) pairs and reports those it finds open as the same
  // file: inherited. Its own descriptors may have the same numbers, never the same inode.
  function inheritedBy(fds: Record<string, number>): string[] {
    const probe = Object.entries(fds).map(([label, fd]) => [label, fd, fileIdentity(fd)]);
    const script = `
      const fs = require('node:fs');
      const inherited = [];
      for (const [label, fd, id] of JSON.parse(process.argv[1])) {
        try {
          const st = fs.fstatSync(fd);
          if (st.dev + ':' + st.ino === id) inherited.push(label);
        } catch {}
      }
      console.log(JSON.stringify(inherited));`;
    const child = spawnSync(process.execPath, ['-e', script, JSON.stringify(probe)], { encoding: 'utf8', timeout: 20000 });
    expect(child.status).toBe(0);
    return JSON.parse(child.stdout) as string[];
  }

  it('flat sockets, socketpairs, accepted connections, Sockets and their accepted ones', async () => {
    const fds: Record<string, number> = {};
    const toClose: number[] = [];
    const sockets: Socket[] = [];
    try {
      fds.udp = socket(AF_INET, SOCK_DGRAM);
      const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
      fds['socketpair[0]'] = a!;
      fds['socketpair[1]'] = b!;
      const listener = socket(AF_INET, SOCK_STREAM);
      fds.listener = listener;
      toClose.push(...Object.values(fds));
      bind(listener, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
      listen(listener, 4);
      const client = socket(AF_INET, SOCK_STREAM);
      toClose.push(client);
      fds.client = client;
      connect(client, getsockname(listener));
      fds.accepted = accept(listener).fd;
      toClose.push(fds.accepted);

      const server = new Socket(AF_INET, SOCK_STREAM);
      sockets.push(server);
      server.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
      server.listen();
      const accepting = server.accept();
      const socketClient = new Socket(AF_INET, SOCK_STREAM);
      sockets.push(socketClient);
      await socketClient.connect(server.getsockname());
      const { socket: acceptedSocket } = await accepting;
      sockets.push(acceptedSocket);
      fds.Socket = server.fd;
      fds['Socket client'] = socketClient.fd;
      fds['Socket.accept'] = acceptedSocket.fd;
      const adopted = Socket.from(socket(AF_INET, SOCK_DGRAM));
      sockets.push(adopted);
      fds['Socket.from'] = adopted.fd;

      // A descriptor received with SCM_RIGHTS is a new descriptor of this process too.
      if (typeof (api as Record<string, unknown>).recvmsg === 'function') {
        const [x, y] = socketpair(AF_UNIX, SOCK_DGRAM);
        toClose.push(x!, y!);
        const sent = socket(AF_INET, SOCK_DGRAM);
        toClose.push(sent);
        (api as unknown as { sendmsg: Function }).sendmsg(x, [Buffer.from('fd')], 0, { control: [{ kind: 'rights', fds: [sent] }] });
        const got = (api as unknown as { recvmsg: Function }).recvmsg(y, [Buffer.alloc(8)], 0) as { control: Array<{ kind: string; fds?: number[] }> };
        const received = got.control.find((c) => c.kind === 'rights')!.fds![0]!;
        toClose.push(received);
        fds['SCM_RIGHTS'] = received;
      }

      // The control: a descriptor without the flag is inherited, so the probe can see one.
      const control = socket(AF_INET, SOCK_DGRAM);
      toClose.push(control);
      fcntl(control, F_SETFD, fcntl(control, F_GETFD) & ~FD_CLOEXEC);

      for (const fd of Object.values(fds)) expect(fcntl(fd, F_GETFD) & FD_CLOEXEC).toBe(FD_CLOEXEC);
      expect(inheritedBy({ ...fds, 'control without FD_CLOEXEC': control })).toEqual(['control without FD_CLOEXEC']);
    } finally {
      for (const s of sockets) s.close();
      for (const fd of toClose) close(fd);
    }
  });

  it('also in a child started through a shell (exec chain)', () => {
    const fd = socket(AF_INET, SOCK_DGRAM);
    try {
      const link = `socket:[${fs.fstatSync(fd).ino}]`;
      // The shell lists its own descriptors' targets.
      const out = execFileSync('/bin/sh', ['-c', 'for f in /proc/$$/fd/* /dev/fd/*; do readlink "$f"; done 2>/dev/null; true'], { encoding: 'utf8' });
      if (onLinux) expect(out.split('\n')).not.toContain(link);
    } finally {
      close(fd);
    }
  });
});
