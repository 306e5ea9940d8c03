// The tour of the UDP course notes (docs/notes/udp-notes.en.md): `npm start`.
//
// Each of the nine points runs on real kernel sockets on loopback, in its own section: what the
// notes claim, the calls made (an strace-style trace, from bsdsock's setTrace), what the kernel
// answered, and whether that confirms the claim. A claim the kernel contradicts is reported as
// such. Every socket gets a receive timeout (SO_RCVTIMEO), so nothing can hang; that safety
// net is set with the trace off, so it is not among the calls students read.
//
//   npm start                     all nine sections
//   npm start -- --section 3      one section
import { CONFIRMED, Tour, type Section } from './context';
import datagrams from './sections/1-datagrams';
import sequence from './sections/2-sequence';
import sendto from './sections/3-sendto';
import zeroRead from './sections/4-zero-read';
import servers from './sections/5-servers';
import receiveBuffer from './sections/6-receive-buffer';
import connect from './sections/7-connect';
import reconnect from './sections/8-reconnect';
import performance from './sections/9-performance';

const sections: Section[] = [datagrams, sequence, sendto, zeroRead, servers, receiveBuffer, connect, reconnect, performance];

const USAGE = 'usage: npm start [-- --section N]   (N from 1 to 9)';

/** The sections asked for on the command line: all, or the one of --section N / --section=N. */
function selected(argv: string[]): Section[] | undefined {
  if (argv.length === 0) return sections;
  const match = /^--section(?:=(.*))?$/.exec(argv[0]);
  const value = match && (match[1] ?? argv[1]);
  const extra = match && match[1] === undefined ? argv.slice(2) : argv.slice(1);
  const n = Number(value);
  if (!match || !Number.isInteger(n) || n < 1 || n > 9 || extra.length > 0) return undefined;
  return sections.filter((s) => s.point === n);
}

// `npm start | head` closes the pipe early: that ends the tour quietly, not with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

async function main(): Promise<number> {
  const chosen = selected(process.argv.slice(2));
  if (!chosen) {
    console.error(USAGE);
    return 2;
  }
  // On a terminal: colour (unless NO_COLOR) and prose wrapped to the window. Otherwise plain lines.
  const terminal = Boolean(process.stdout.isTTY);
  const tour = new Tour({
    colour: terminal && !process.env.NO_COLOR,
    width: terminal ? Math.min(process.stdout.columns || 100, 100) : 0,
  });
  tour.print(tour.c.bold('The UDP course notes, checked against this kernel') +
    ` (${process.platform}, Node ${process.version}, all on loopback).`);
  tour.paragraph('', '', 'The notes are bsdsock\'s own, on the UDP chapter of Stevens\' UNIX Network Programming: ' +
    'docs/notes/udp-notes.en.md. Each section quotes the notes, shows the calls made as strace would show them, ' +
    'says what the kernel answered, and whether that confirms the claim. Behind the scenes every socket gets a ' +
    'receive timeout (SO_RCVTIMEO, 2 s, not shown) so that no receive can hang the tour.');

  for (const section of chosen) {
    tour.section(section.point, section.title);
    // The section's calls print as they are made; whatever it still holds is closed at its end.
    await tour.traced(async () => {
      try {
        await section.run(tour);
      } finally {
        tour.closeAll();
      }
    });
  }

  tour.print();
  tour.print(tour.c.bold('Summary'));
  for (const { id, status } of tour.results) tour.print(`  ${id.padEnd(6)} ${status}`);
  const confirmed = tour.results.filter((r) => r.status === CONFIRMED).length;
  tour.print(`${confirmed} of ${tour.results.length} claims confirmed by the kernel in this run.`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // A broken tour (not a contradicted claim, which is a finding) fails loudly.
    console.error(err);
    process.exitCode = 1;
  },
);
