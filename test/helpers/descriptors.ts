import * as fs from 'node:fs';

export const fdDirectory = process.platform === 'linux' ? '/proc/self/fd' : '/dev/fd';

/** The numbers of this process's open descriptors (the listing's own descriptor excluded). */
export function openDescriptors(): string[] {
  const seen = fs.readdirSync(fdDirectory);
  // readdirSync opened one descriptor for the listing itself and closed it before returning:
  // keep only those still open now.
  return seen.filter((fd) => {
    try {
      fs.fstatSync(Number(fd));
      return true;
    } catch {
      return false;
    }
  }).sort((a, b) => Number(a) - Number(b));
}

/** Which file a descriptor is open on (device and inode): the same number may later be another file. */
export function fileIdentity(fd: number): string {
  const st = fs.fstatSync(fd);
  return `${st.dev}:${st.ino}`;
}
