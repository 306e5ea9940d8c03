// Tests that only hold on one platform say so in code: on the others jest reports them skipped.
export const onLinux = process.platform === 'linux';
export const itOnLinux = onLinux ? it : it.skip;
export const itOnMacos = process.platform === 'darwin' ? it : it.skip;
