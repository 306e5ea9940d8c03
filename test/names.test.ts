// getaddrinfo / getnameinfo (blocking) and their promise forms, with 'localhost' and numeric
// hosts only: nothing here asks a DNS server. That the promise forms keep the event loop
// running while a lookup waits is shown in family-netns.test.ts, against a DNS server the test
// itself runs.
import {
  AF_INET,
  AF_INET6,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_PASSIVE,
  AddressInfoError,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NI_DGRAM,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  SOCK_DGRAM,
  SOCK_STREAM,
  bind,
  constants,
  getaddrinfo,
  getaddrinfoAsync,
  getnameinfo,
  getnameinfoAsync,
  getsockname,
  recvfrom,
  sendto,
} from '../lib';
import { itOnLinux } from './helpers/platform';
import { closeAll, udpSocket } from './helpers/sockets';

afterEach(closeAll);

function failure(call: () => unknown): AddressInfoError {
  try {
    call();
  } catch (error) {
    if (error instanceof AddressInfoError) return error;
    throw error;
  }
  throw new Error('the lookup succeeded');
}

describe('getaddrinfo', () => {
  it("'localhost' for a UDP service: 127.0.0.1 with the port, ready for bind and sendto", () => {
    const entries = getaddrinfo('localhost', '0', { family: AF_INET, socktype: SOCK_DGRAM });
    expect(entries[0]).toEqual({
      family: AF_INET,
      socktype: SOCK_DGRAM,
      protocol: IPPROTO_UDP,
      address: { family: 'AF_INET', address: '127.0.0.1', port: 0 },
    });
    const fd = udpSocket();
    bind(fd, entries[0]!.address);
    const port = (getsockname(fd) as { port: number }).port;
    const [target] = getaddrinfo('localhost', port, { family: AF_INET, socktype: SOCK_DGRAM });
    sendto(udpSocket(), Buffer.from('found'), 0, target!.address);
    const buf = Buffer.alloc(16);
    expect(buf.toString('utf8', 0, recvfrom(fd, buf).bytes)).toBe('found');
  });

  it('a numeric IPv6 host and a numeric port, for a stream socket', () => {
    expect(getaddrinfo('::1', 8080, { socktype: SOCK_STREAM, flags: AI_NUMERICHOST | AI_NUMERICSERV })).toEqual([
      {
        family: AF_INET6,
        socktype: SOCK_STREAM,
        protocol: IPPROTO_TCP,
        address: { family: 'AF_INET6', address: '::1', port: 8080, flowinfo: 0, scopeId: 0 },
      },
    ]);
  });

  it('AI_PASSIVE without a node gives the wildcard address, to bind a server', () => {
    const [entry] = getaddrinfo(null, '9000', { family: AF_INET, socktype: SOCK_DGRAM, flags: AI_PASSIVE });
    expect(entry!.address).toEqual({ family: 'AF_INET', address: '0.0.0.0', port: 9000 });
  });

  it('AI_CANONNAME: the first entry carries the canonical name', () => {
    const entries = getaddrinfo('127.0.0.1', null, { socktype: SOCK_DGRAM, flags: AI_CANONNAME | AI_NUMERICHOST });
    expect(entries[0]!.canonname).toBe('127.0.0.1');
  });

  it('a name where only numbers are allowed is EAI_NONAME, an AddressInfoError with the platform number', () => {
    const error = failure(() => getaddrinfo('localhost', null, { flags: AI_NUMERICHOST }));
    expect(error).toMatchObject({ code: 'EAI_NONAME', eai: constants.EAI_NONAME, syscall: 'getaddrinfo', hostname: 'localhost' });
    expect(error.message).toBe('getaddrinfo EAI_NONAME localhost');
  });

  it('neither node nor service is EAI_NONAME', () => {
    expect(failure(() => getaddrinfo(null, null)).code).toBe('EAI_NONAME');
  });

  it('a family the resolver does not know is EAI_FAMILY; a socket type, EAI_SOCKTYPE', () => {
    expect(failure(() => getaddrinfo('127.0.0.1', null, { family: 12345 })).code).toBe('EAI_FAMILY');
    expect(failure(() => getaddrinfo('127.0.0.1', null, { socktype: 12345 })).code).toBe('EAI_SOCKTYPE');
  });

  itOnLinux('Linux: AI_CANONNAME without a node is EAI_BADFLAGS', () => {
    expect(failure(() => getaddrinfo(null, '53', { flags: AI_CANONNAME })).code).toBe('EAI_BADFLAGS');
  });

  it.each<[string, () => unknown, string]>([
    ['a number as node', () => getaddrinfo(5 as never), 'ERR_INVALID_ARG_TYPE'],
    ['an object as service', () => getaddrinfo('localhost', {} as never), 'ERR_INVALID_ARG_TYPE'],
    ['a port of 1.5', () => getaddrinfo('localhost', 1.5), 'ERR_OUT_OF_RANGE'],
    ['hints that are a string', () => getaddrinfo('localhost', null, 'x' as never), 'ERR_INVALID_ARG_TYPE'],
    ['a family that is a string', () => getaddrinfo('localhost', null, { family: 'AF_INET' as never }), 'ERR_INVALID_ARG_TYPE'],
    ['flags of 2**40', () => getaddrinfo('localhost', null, { flags: 2 ** 40 }), 'ERR_OUT_OF_RANGE'],
    ['a node with a NUL', () => getaddrinfo('local\0host'), 'ERR_INVALID_ARG_VALUE'],
  ])('bad input: %s', (_label, call, code) => {
    expect(() => call()).toThrow(expect.objectContaining({ code }));
  });
});

describe('getnameinfo', () => {
  it('numeric host and service', () => {
    expect(getnameinfo({ family: 'AF_INET', address: '127.0.0.1', port: 53 }, NI_NUMERICHOST | NI_NUMERICSERV)).toEqual({ host: '127.0.0.1', service: '53' });
    expect(getnameinfo({ family: 'AF_INET6', address: '::1', port: 9 }, NI_NUMERICHOST | NI_NUMERICSERV | NI_DGRAM)).toEqual({ host: '::1', service: '9' });
  });

  itOnLinux('Linux: a flag getnameinfo does not know is EAI_BADFLAGS', () => {
    expect(failure(() => getnameinfo({ family: 'AF_INET', address: '127.0.0.1', port: 53 }, 1 << 30))).toMatchObject({
      code: 'EAI_BADFLAGS',
      syscall: 'getnameinfo',
      hostname: '127.0.0.1:53',
    });
  });

  it('bad input: a malformed address, non-integer flags', () => {
    expect(() => getnameinfo({ family: 'AF_INET', address: 'localhost', port: 1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_IP_ADDRESS' }));
    expect(() => getnameinfo({ family: 'AF_INET', address: '127.0.0.1', port: 1 }, 'x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});

describe('the promise forms', () => {
  it('getaddrinfoAsync resolves to what getaddrinfo returns', async () => {
    const hints = { family: AF_INET, socktype: SOCK_DGRAM };
    await expect(getaddrinfoAsync('localhost', 53, hints)).resolves.toEqual(getaddrinfo('localhost', 53, hints));
  });

  it('getaddrinfoAsync rejects with the same AddressInfoError', async () => {
    await expect(getaddrinfoAsync('localhost', null, { flags: AI_NUMERICHOST })).rejects.toMatchObject({
      constructor: AddressInfoError,
      code: 'EAI_NONAME',
      eai: constants.EAI_NONAME,
    });
  });

  it('bad input is a rejection, not a throw', async () => {
    const pending = getaddrinfoAsync(5 as never);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('getnameinfoAsync resolves and rejects as getnameinfo', async () => {
    const address = { family: 'AF_INET', address: '127.0.0.1', port: 53 } as const;
    await expect(getnameinfoAsync(address, NI_NUMERICHOST | NI_NUMERICSERV)).resolves.toEqual({ host: '127.0.0.1', service: '53' });
    if (process.platform === 'linux') {
      await expect(getnameinfoAsync(address, 1 << 30)).rejects.toMatchObject({ code: 'EAI_BADFLAGS' });
    }
  });

  it('many lookups at once all settle (each on the thread pool, each promise its own)', async () => {
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => getaddrinfoAsync('127.0.0.1', i, { socktype: SOCK_DGRAM, flags: AI_NUMERICHOST })));
    expect(results.map((r) => (r[0]!.address as { port: number }).port)).toEqual(Array.from({ length: 64 }, (_, i) => i));
  });
});

describe('the promise forms in worker threads', () => {
  // Each worker's lookups settle on its own loop; a worker terminated with lookups still on the
  // thread pool crashes nothing (their results are dropped with the worker).
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const b = require('bsdsock');
    const lookups = Array.from({ length: 200 }, (_, i) => b.getaddrinfoAsync('127.0.0.1', i, { socktype: b.SOCK_DGRAM, flags: b.AI_NUMERICHOST }));
    if (workerData.wait) Promise.all(lookups).then((all) => parentPort.postMessage(all.map((r) => r[0].address.port).join(',')));
    else parentPort.postMessage('started');
  `;

  it('lookups in two workers at once each resolve in their own worker', async () => {
    const run = (): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const worker = new Worker(code, { eval: true, workerData: { wait: true } });
        worker.once('message', (m) => void worker.terminate().then(() => resolve(m)));
        worker.once('error', reject);
      });
    const expected = Array.from({ length: 200 }, (_, i) => i).join(',');
    expect(await Promise.all([run(), run()])).toEqual([expected, expected]);
  });

  it('terminating a worker while its lookups are on the thread pool crashes nothing', async () => {
    const worker = new Worker(code, { eval: true, workerData: { wait: false } });
    await new Promise((resolve) => worker.once('message', resolve));
    expect(await worker.terminate()).toBe(1);
    // The thread pool is still usable by this thread afterwards.
    await expect(getaddrinfoAsync('127.0.0.1', 1, { socktype: SOCK_DGRAM, flags: AI_NUMERICHOST })).resolves.toEqual([
      expect.objectContaining({ address: { family: 'AF_INET', address: '127.0.0.1', port: 1 } }),
    ]);
  });
});
