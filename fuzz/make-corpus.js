#!/usr/bin/env node
// Writes the seed corpus of fuzz/address_fuzzer.cc into fuzz/corpus/ (checked in; run again
// only when the input format changes). The sockaddr seeds are encoded by the addon itself, so
// they have this platform's layout. Usage: node fuzz/make-corpus.js
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const binding = require(path.resolve(process.env.BSDSOCK_ADDON || path.join(root, 'build', 'Release', 'bsdsock.node')));
const { AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC } = binding.constants;
const out = path.join(__dirname, 'corpus');
fs.mkdirSync(out, { recursive: true });

const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };
const RAW = 219; // every numeric field taken as is (see Integer() in the target)
const SELECTOR = { [AF_INET]: 0, [AF_INET6]: 1, [AF_UNIX]: 2, [AF_UNSPEC]: 3 };

const seeds = {};
function encodeSeed(name, family, host, port = 0, flowinfo = 0, scope = 0) {
  seeds[`enc-${name}`] = Buffer.concat([Buffer.from([0, SELECTOR[family], RAW]), u32(port), u32(flowinfo), u32(scope), Buffer.from(host, 'utf8')]);
}
function decodeSeeds(name, bytes) {
  seeds[`dec-${name}`] = Buffer.concat([Buffer.from([1, 1]), u32(bytes.length), bytes]);
  seeds[`kern-${name}`] = Buffer.concat([Buffer.from([2]), u32(bytes.length), Buffer.from([1]), bytes]);
}

encodeSeed('v4-loopback', AF_INET, '127.0.0.1', 9000);
encodeSeed('v4-any', AF_INET, '0.0.0.0', 0);
encodeSeed('v4-broadcast', AF_INET, '255.255.255.255', 65535);
encodeSeed('v4-bad-octet', AF_INET, '256.1.1.1', 80);
encodeSeed('v4-leading-zero', AF_INET, '01.2.3.4', 80);
encodeSeed('v4-nul', AF_INET, '1.2.3.4\0', 80);
encodeSeed('v6-loopback', AF_INET6, '::1', 9000, 0, 0);
encodeSeed('v6-flow', AF_INET6, '2001:db8::1', 443, 0xfffff, 3);
encodeSeed('v6-mapped', AF_INET6, '::ffff:192.0.2.1', 53);
encodeSeed('v6-zone-index', AF_INET6, 'fe80::1%1', 546);
encodeSeed('v6-zone-name', AF_INET6, 'fe80::1%lo', 546);
encodeSeed('v6-zone-empty', AF_INET6, 'fe80::1%', 546);
encodeSeed('v6-zone-huge', AF_INET6, 'fe80::1%99999999999', 546);
encodeSeed('v6-full', AF_INET6, '1:2:3:4:5:6:7:8', 1);
encodeSeed('v6-double-gap', AF_INET6, '1::2::3', 1);
encodeSeed('unix-path', AF_UNIX, '/tmp/bsdsock.sock');
encodeSeed('unix-empty', AF_UNIX, '');
encodeSeed('unix-abstract', AF_UNIX, '\0bsdsock');
encodeSeed('unix-longest', AF_UNIX, 'a'.repeat(binding.constants.SUN_PATH_SIZE - 1));
encodeSeed('unix-too-long', AF_UNIX, 'a'.repeat(binding.constants.SUN_PATH_SIZE));
encodeSeed('unix-abstract-full', AF_UNIX, `\0${'a'.repeat(binding.constants.SUN_PATH_SIZE - 1)}`);
encodeSeed('unix-nul-inside', AF_UNIX, '/tmp/a\0b');
encodeSeed('unspec', AF_UNSPEC, '');

decodeSeeds('v4', binding.encodeAddress(AF_INET, '192.0.2.7', 4242, 0, 0));
decodeSeeds('v6', binding.encodeAddress(AF_INET6, 'fe80::1', 4242, 7, 2));
decodeSeeds('unix-path', binding.encodeAddress(AF_UNIX, '/run/x.sock', 0, 0, 0));
decodeSeeds('unix-abstract', binding.encodeAddress(AF_UNIX, '\0abc', 0, 0, 0));
decodeSeeds('unspec', binding.encodeAddress(AF_UNSPEC, '', 0, 0, 0));
decodeSeeds('v4-short', binding.encodeAddress(AF_INET, '192.0.2.7', 1, 0, 0).subarray(0, 8));
decodeSeeds('family-only', binding.encodeAddress(AF_UNIX, '', 0, 0, 0));
decodeSeeds('unknown-family', Buffer.from([17, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]));
// The kernel may report an AF_UNIX length past sockaddr_storage.
const unixFull = Buffer.alloc(binding.constants.SOCKADDR_STORAGE_SIZE, 0x61);
unixFull.writeUInt16LE(AF_UNIX, 0);
seeds['kern-unix-overlong'] = Buffer.concat([Buffer.from([2]), u32(1000), Buffer.from([0]), unixFull]);

for (const [name, bytes] of Object.entries(seeds)) fs.writeFileSync(path.join(out, name), bytes);
console.log(`${Object.keys(seeds).length} seeds in ${path.relative(root, out)}`);
