// Point 5: one UDP socket serves every client; a TCP server gets a descriptor per client from
// accept() and, here, hands each to a worker thread (the fork() of the C server).
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { accept, close, connect, formatAddress, read, recvfrom, sendto, write } from 'bsdsock';
import { SAFETY_TIMEOUT_MS, type Section, type Tour } from '../context';

/** What a worker reports when its client has gone (tcp-worker.ts). */
interface WorkerReport {
  threadId: number;
  lines: string[];
  echoed: number;
  error?: string;
}

const CLIENTS = 3;

/** Start a worker for one accepted descriptor; resolves with what it reports once it has exited. */
function serveInWorker(fd: number): Promise<WorkerReport> {
  const worker = new Worker(path.join(__dirname, '..', 'tcp-worker.js'), { workerData: { fd, timeoutMs: SAFETY_TIMEOUT_MS } });
  return new Promise((resolve, reject) => {
    let report: WorkerReport | undefined;
    worker.on('message', (message: WorkerReport) => { report = message; });
    worker.on('error', reject);
    worker.on('exit', () => (report ? resolve(report) : reject(new Error(`worker for fd ${fd} ended without a report`))));
  });
}

const section: Section = {
  point: 5,
  title: 'one UDP server for every client, against a TCP server per connection',
  async run(t: Tour) {
    t.claim('5', '“A TCP server is typically concurrent (forks a child per accepted connection); a UDP server is ' +
      'typically one process serving every client.”');
    const buf = Buffer.alloc(1500);

    // UDP ------------------------------------------------------------------------------------
    t.step(`UDP: one bound socket; ${CLIENTS} clients each send a request`);
    const server = t.udp({ bound: true });
    const clients = [];
    for (let i = 1; i <= CLIENTS; i++) {
      const fd = t.udp();
      sendto(fd, Buffer.from(`request ${i}`), 0, server.addr);
      clients.push(fd);
    }
    t.step('the server loop: recvfrom, answer whoever sent it, again; one descriptor, one thread');
    const senders = new Set();
    for (let i = 0; i < CLIENTS; i++) {
      const request = recvfrom(server.fd, buf);
      senders.add(formatAddress(request.from));
      sendto(server.fd, Buffer.from(`reply to ${buf.toString('latin1', 0, request.bytes)}`), 0, request.from);
    }
    const udpReplies = clients.map((fd) => buf.toString('latin1', 0, recvfrom(fd, buf).bytes));
    t.closeAll();
    const udpOk = senders.size === CLIENTS && udpReplies.every((reply, i) => reply === `reply to request ${i + 1}`);
    t.kernel(`one descriptor (fd ${server.fd}) received from ${senders.size} different addresses ` +
      `(${[...senders].join(', ')}) and each client got its own reply.`);
    t.check('5/UDP', udpOk,
      'one UDP socket in one thread served every client: recvfrom says who asked, sendto answers that address.',
      'the single UDP socket did not serve every client (see above).');

    // TCP ------------------------------------------------------------------------------------
    t.step(`TCP: a listening socket; ${CLIENTS} clients connect and write; each accept() gives a new descriptor,`);
    t.step('handed to a worker thread of its own, which echoes until its client closes');
    const listener = t.tcpListener();
    const connections = [];
    for (let i = 1; i <= CLIENTS; i++) {
      const client = t.tcp();
      connect(client, listener.addr);
      write(client, Buffer.from(`hello from client ${i}`));
      const { fd } = accept(listener.fd);
      let report;
      try {
        report = serveInWorker(fd); // the worker owns fd from here on and closes it
      } catch (err) {
        close(fd);
        throw err;
      }
      connections.push({ client, fd, report });
    }
    t.step('each client reads its echo and closes; its worker then reads 0 and closes its descriptor');
    const echoes = connections.map(({ client }, i) => {
      const n = read(client, buf);
      t.close(client);
      return buf.toString('latin1', 0, n) === `hello from client ${i + 1}`;
    });
    const reports = await Promise.all(connections.map((c) => c.report));
    for (const [i, report] of reports.entries()) {
      t.step(`worker thread ${report.threadId}, serving fd ${connections[i].fd}:`);
      for (const line of report.lines) t.traceLine(`  ${line}`);
    }
    t.closeAll();

    const fds = new Set(connections.map((c) => c.fd));
    const threads = new Set(reports.map((r) => r.threadId));
    const tcpOk = fds.size === CLIENTS && !fds.has(listener.fd) && threads.size === CLIENTS &&
      echoes.every(Boolean) && reports.every((r) => r.error === undefined);
    t.kernel(`accept() returned ${fds.size} new descriptors (${[...fds].join(', ')}) beside the listening fd ${listener.fd}; ` +
      `${threads.size} worker threads served them at the same time, and each client got its own echo` +
      `${reports.some((r) => r.error) ? `; a worker failed: ${reports.find((r) => r.error)?.error}` : ''}.`);
    t.check('5/TCP', tcpOk,
      'a TCP server meets each client on a descriptor of its own, so one worker (or child) per connection is the natural shape.',
      'the per-connection TCP server did not work as the notes describe (see above).');
  },
};

export default section;
