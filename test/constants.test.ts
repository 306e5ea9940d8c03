// The constants' types say where they exist: a constant typed `number` in lib/constants.ts is
// one that Linux and macOS both define, and must be a number on this platform; an optional one
// (`?: number`) may be undefined. The types are read from the source with the TypeScript
// compiler, so the declaration and the addon cannot drift apart unseen.
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as ts from 'typescript';

import { constants } from '../lib';
import { onLinux } from './helpers/platform';

function declaredMembers(): { required: string[]; optional: string[] } {
  const file = path.join(__dirname, '..', 'lib', 'constants.ts');
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const required: string[] = [];
  const optional: string[] = [];
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== 'Constants') return;
    for (const member of node.members) {
      if (!ts.isPropertySignature(member) || !ts.isIdentifier(member.name)) continue;
      (member.questionToken ? optional : required).push(member.name.text);
    }
  });
  return { required, optional };
}

describe('constants', () => {
  const { required, optional } = declaredMembers();

  it('every constant typed number (both platforms define it) is a number here', () => {
    expect(required.length).toBeGreaterThan(100);
    const missing = required.filter((name) => typeof (constants as unknown as Record<string, unknown>)[name] !== 'number');
    expect(missing).toEqual([]);
  });

  it('the constants both platforms share include the ones portable code needs without a check', () => {
    for (const name of ['SO_REUSEPORT', 'IP_PKTINFO', 'IPV6_PKTINFO', 'IPV6_RECVPKTINFO', 'SCM_RIGHTS', 'MCAST_JOIN_GROUP']) {
      expect(required).toContain(name);
    }
  });

  it('every constant the addon exports is declared, and nothing else is', () => {
    const declared = new Set([...required, ...optional]);
    expect(Object.keys(constants).filter((name) => !declared.has(name))).toEqual([]);
  });

  (onLinux ? it : it.skip)('on Linux the Linux-only ones exist too (the optional ones are those macOS lacks)', () => {
    for (const name of ['SO_RXQ_OVFL', 'MSG_ERRQUEUE', 'IP_RECVERR', 'SO_BINDTODEVICE']) {
      expect(typeof (constants as unknown as Record<string, unknown>)[name]).toBe('number');
    }
  });
});
